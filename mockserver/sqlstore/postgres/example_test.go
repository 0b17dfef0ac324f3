package postgres_test

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/esfkit/esf/mockserver"
	"github.com/esfkit/esf/mockserver/sqlstore/postgres"
)

// A replica of the mock over PostgreSQL: run as many as you like against
// one database (esf mock serve --db does this).
func ExampleOpen() {
	ctx := context.Background()
	st, err := postgres.Open(ctx, os.Getenv("ESF_MOCK_DB"), postgres.Options{}) // postgres://user:password@host:5432/esf
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	srv, err := mockserver.New(mockserver.Options{Store: st})
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe(":8080", srv))
}
