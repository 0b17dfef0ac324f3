// Package esfclient is the Go client of ИС ЭСФ, Kazakhstan's electronic
// invoice system, for the part before invoices: registration on the
// portal, log-in, recovery, and the SOAP API's sessions. It talks to the
// real ESF or to its mock (mockserver, "esf mock serve") alike.
//
//	c, err := esfclient.New(esfclient.Options{BaseURL: "https://esf.gov.kz:8443"})
//	res, err := c.Register(ctx, esfclient.Registration{Category: esfreg.LegalEntity, Key: head, Form: form})
//	_, err = c.CompleteRegistration(ctx, linkFromEmail, auth, password)
//	sess, err := c.OpenSession(ctx, esfclient.SessionRequest{Key: auth, Password: password, TIN: bin})
//	profiles, err := sess.Profiles(ctx)
//
// Before it sends anything the client checks esfreg's rules — the key fits
// the category, the form is valid, the signer may sign each agreement — and
// it signs with xmlsig and agreement, as NCALayer would. Every refusal,
// its own or the server's (JSON or SOAP fault), is an *esfreg.Error whose
// Code errors.Is can test: errors.Is(err, esfreg.ErrPasswordInvalid),
// errors.Is(err, esfclient.ErrSessionAlreadyOpen).
//
// One open API session per user is ESF's rule: OpenSession never closes
// another one behind the caller's back (two workers of one account would
// evict each other forever); SessionRequest.CloseOpenSession asks for it.
package esfclient
