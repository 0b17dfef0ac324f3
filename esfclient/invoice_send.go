package esfclient

import (
	"context"
	"fmt"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/invoice"
)

// signingKey checks that key can sign an invoice or a status change now:
// a signing key (GOST 2015 keys sign and log in alike), valid at the
// client's clock. ESF would refuse anything else after the upload.
func (c *Client) signingKey(key *certs.KeyStore) error {
	switch {
	case key == nil || key.Certificate == nil:
		return esfreg.NewError(esfreg.CodeCertificateIsNotForSigning, "")
	case !key.Certificate.Usage.Has(certs.UsageSign):
		return esfreg.NewError(esfreg.CodeCertificateIsNotForSigning, "")
	case c.now().Before(key.Certificate.X509.NotBefore):
		return esfreg.NewError(esfreg.CodeCertificateNotYetValid, "")
	case c.now().After(key.Certificate.X509.NotAfter):
		return esfreg.NewError(esfreg.CodeCertificateExpired, "")
	}
	return nil
}

// SendInvoices uploads invoice bodies (each a bare v2:invoice element, as
// invoice.Invoice.Marshal writes it) signed with key, in one syncInvoice
// batch: each body is checked against InvoiceV2's schema first
// (invoice.Check) and signed raw over its bytes (invoice.Sign), with the
// signature type key's certificate calls for (invoice.SignatureType) and
// the certificate beside the list. A body that fails the check is
// refused before anything is sent: the error names its place in the batch
// and wraps invoice's (errors.Is(err, invoice.ErrInvalid); errors.As
// finds each *invoice.CheckError). A key that cannot sign now is an
// *esfreg.Error (ErrCertificateIsNotForSigning, expired, not yet valid).
//
// The answer is SyncInvoice's: the invoices queued and those declined.
func (s *Session) SendInvoices(ctx context.Context, key *certs.KeyStore, bodies ...[]byte) (*SyncResult, error) {
	if err := s.c.signingKey(key); err != nil {
		return nil, err
	}
	signer, err := key.Signer()
	if err != nil {
		return nil, err
	}
	typ := SignatureType(invoice.SignatureType(key.Certificate))
	req := SyncRequest{Certificate: key.Certificate.X509.Raw}
	for i, body := range bodies {
		if err := invoice.Check(body); err != nil {
			return nil, fmt.Errorf("esfclient: invoice %d of the batch: %w", i, err)
		}
		sig, err := invoice.Sign(body, signer)
		if err != nil {
			return nil, fmt.Errorf("esfclient: invoice %d of the batch: %w", i, err)
		}
		req.Invoices = append(req.Invoices, InvoiceUpload{Body: body, Version: invoice.Version, Signature: sig, SignatureType: typ})
	}
	return s.SyncInvoice(ctx, req)
}

// signedChange signs items' list (invoice.SignIDsWithReasons) with key.
func (s *Session) signedChange(key *certs.KeyStore, items []InvoiceReason) (StatusChange, error) {
	if err := s.c.signingKey(key); err != nil {
		return StatusChange{}, err
	}
	if len(items) == 0 {
		return StatusChange{}, esfreg.NewError(esfreg.CodeFieldRequired, "idWithReasonList")
	}
	signer, err := key.Signer()
	if err != nil {
		return StatusChange{}, err
	}
	sig, err := invoice.SignIDsWithReasons(items, signer)
	if err != nil {
		return StatusChange{}, fmt.Errorf("esfclient: %w", err)
	}
	return StatusChange{Items: items, Signature: sig, Certificate: key.Certificate.X509.Raw}, nil
}

// RevokeInvoices revokes the seller's invoices (RevokeInvoiceByID), the
// list signed with key as invoice.SignIDsWithReasons signs it.
func (s *Session) RevokeInvoices(ctx context.Context, key *certs.KeyStore, items ...InvoiceReason) ([]ChangeStatusResult, error) {
	r, err := s.signedChange(key, items)
	if err != nil {
		return nil, err
	}
	return s.RevokeInvoiceByID(ctx, r)
}

// UnrevokeInvoices rejects revocations as the customer
// (UnrevokeInvoiceByID), the list signed with key.
func (s *Session) UnrevokeInvoices(ctx context.Context, key *certs.KeyStore, items ...InvoiceReason) ([]ChangeStatusResult, error) {
	r, err := s.signedChange(key, items)
	if err != nil {
		return nil, err
	}
	return s.UnrevokeInvoiceByID(ctx, r)
}

// DeclineInvoices declines fixed or additional invoices as the customer
// (DeclineInvoiceByID), the list signed with key.
func (s *Session) DeclineInvoices(ctx context.Context, key *certs.KeyStore, items ...InvoiceReason) ([]ChangeStatusResult, error) {
	r, err := s.signedChange(key, items)
	if err != nil {
		return nil, err
	}
	return s.DeclineInvoiceByID(ctx, r)
}

// DeleteInvoices deletes FAILED invoices (DeleteInvoiceByID), the id list
// signed with key as invoice.SignIDs signs it.
func (s *Session) DeleteInvoices(ctx context.Context, key *certs.KeyStore, ids ...int64) ([]DeleteResult, error) {
	if err := s.c.signingKey(key); err != nil {
		return nil, err
	}
	if err := needIDs(ids); err != nil {
		return nil, err
	}
	signer, err := key.Signer()
	if err != nil {
		return nil, err
	}
	sig, err := invoice.SignIDs(ids, signer)
	if err != nil {
		return nil, fmt.Errorf("esfclient: %w", err)
	}
	return s.DeleteInvoiceByID(ctx, Deletion{IDs: ids, Signature: sig, Certificate: key.Certificate.X509.Raw})
}
