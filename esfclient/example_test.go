package esfclient_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
)

// An individual registers, follows the e-mailed link, and opens an API
// session; a second OpenSession is refused rather than evicting the first.
func Example() {
	ctx := context.Background()
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	mock, _ := mockserver.New(mockserver.Options{Now: func() time.Time { return at }, AllowTestIdentities: true, BcryptCost: 4})
	srv := httptest.NewServer(mock)
	defer srv.Close()

	auth, _ := certstest.OpenFixture(certstest.FixtureIndividualAuth)
	sign, _ := certstest.OpenFixture(certstest.FixtureIndividualSign)
	const password = "Qazwsx12345"

	c, _ := esfclient.New(esfclient.Options{BaseURL: srv.URL, Now: mock.Now})
	res, err := c.Register(ctx, esfclient.Registration{Category: esfreg.Individual, Key: auth, Signer: sign, Form: esfreg.Form{
		Email: "person@example.kz", Password: password, PasswordConfirmation: password, Address: "г. Астана, ул. Бейбітшілік, 10",
		IDDocumentNumber: "012345678", IDDocumentIssueDate: "14.03.2019", IDDocumentIssuer: "МВД РК"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Request.Message)
	link := mock.MailTo("person@example.kz")[0].Link
	if _, err := c.CompleteRegistration(ctx, link, auth, password); err != nil {
		fmt.Println(err)
		return
	}

	req := esfclient.SessionRequest{Key: auth, Password: password, TIN: certstest.TestIIN}
	sess, err := c.OpenSession(ctx, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	u, _ := sess.CurrentUser(ctx)
	fmt.Println("session of", u.Login)
	_, err = c.OpenSession(ctx, req)
	fmt.Println("second session refused:", errors.Is(err, esfclient.ErrSessionAlreadyOpen))
	status, _ := sess.Close(ctx)
	fmt.Println(status)
	// Output:
	// Запрос создан успешно. Дальнейшие инструкции отправлены по указанному E-mail
	// session of 123456789011
	// second session refused: true
	// CLOSED
}
