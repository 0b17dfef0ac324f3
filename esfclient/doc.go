// Package esfclient is the Go client of ИС ЭСФ, Kazakhstan's electronic
// invoice system: registration on the portal, log-in, recovery, the SOAP
// API's sessions, and invoices over a session — every operation of
// InvoiceService and UploadInvoiceService.syncInvoice. It talks to the
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
//
// # Invoices
//
// Over an open Session, each operation of KGD's InvoiceService and
// UploadInvoiceService WSDLs is a method named after it, taking and
// returning Go values:
//
//	res, err := sess.SyncInvoice(ctx, esfclient.SyncRequest{Invoices: …, Certificate: der}) // queued or declined
//	sum, err := sess.WaitForRegistration(ctx, res.Accepted[0].ID, esfclient.WaitOptions{})  // polls until a registration number
//	for inv, err := range sess.Updates(ctx, esfclient.UpdatesRequest{Direction: esfclient.Inbound, Cursor: since}) { … }
//
// syncInvoice's declined invoices, the heavy checks' errors and refused
// status changes are answers, not failed calls; their errors are
// *esfreg.Error values with ESF's errorCode as Code (SyncResult.Err,
// ChangeStatusResult.Err, *RegistrationError), and SOAP faults are
// *esfreg.Error as for sessions: errors.Is(err, esfclient.ErrSessionClosed).
// Status values and codes the WSDL does not list are kept as they come.
// queryUpdates and queryInvoice page as iterators (Updates, Invoices, and
// UpdatePages, InvoicePages for a caller that stores its position).
//
// Where ESF's public material leaves a choice open (esf-invoice-api.md §7),
// this client chooses: an xs:dateTime without a zone is read as UTC+05:00;
// queryInvoice's first page is asked for without pageNum and the next
// ones as the server's currPage + 1 (page 1 repeating the first page
// means the server counts from 1: the client goes on from page 2); the
// queryUpdates cursor is fed back
// exactly as answered, and a block that would repeat forever ends the
// iteration with an error.
package esfclient
