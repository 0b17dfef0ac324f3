package mockserver_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
	"github.com/esfkit/esf/mockserver/sqlstore/sqlite"
)

// A mock whose state outlives it: the SQLite store esf mock serve --state
// uses. A second mock over the same file (a restart) finds what the first
// acknowledged.
func ExampleOptions_store() {
	dir, err := os.MkdirTemp("", "esf-mock")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mock.db")
	ctx := context.Background()

	st, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		log.Fatal(err)
	}
	srv, err := mockserver.New(mockserver.Options{Store: st})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := srv.SeedTaxpayer(esfreg.Taxpayer{TIN: "060340012391", NameRu: `ТОО "Ромашка"`,
		Type: esfreg.EnterprisePrivate, Resident: true, EnterpriseAdministrator: "850314312344"}, true); err != nil {
		log.Fatal(err)
	}
	st.Close()

	st, err = sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	again, err := mockserver.New(mockserver.Options{Store: st})
	if err != nil {
		log.Fatal(err)
	}
	t, err := again.Taxpayer("060340012391")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(t.NameRu)
	// Output: ТОО "Ромашка"
}
