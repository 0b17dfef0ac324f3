package esfclient

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/invoice"
)

// syncReq is a syncInvoice request as the server reads it.
type syncReq struct {
	Infos []struct {
		Body          string `xml:"invoiceBody"`
		Version       string `xml:"version"`
		Signature     string `xml:"signature"`
		SignatureType string `xml:"signatureType"`
	} `xml:"Body>syncInvoiceRequest>invoiceUploadInfoList>invoiceUploadInfo"`
	Certificate string `xml:"Body>syncInvoiceRequest>x509Certificate"`
}

// changeReq is a revoke, unrevoke, decline or delete request.
type changeReq struct {
	Body struct {
		Op struct {
			Signature   string  `xml:"signature"`
			Certificate string  `xml:"x509Certificate"`
			IDs         []int64 `xml:"idList>id"`
			Items       []struct {
				ID     int64  `xml:"id"`
				Reason string `xml:"reason"`
			} `xml:"idWithReasonList>invoiceIdWithReason"`
		} `xml:",any"`
	} `xml:"Body"`
}

func fixture(t *testing.T, name string) *certs.KeyStore {
	t.Helper()
	ks, err := certstest.OpenFixture(name)
	require.NoError(t, err)
	return ks
}

// clientAt makes the session's client tell time as at.
func clientAt(s *Session, at time.Time) { s.c.opts.Now = func() time.Time { return at } }

// SendInvoices checks, signs and uploads: the server reads each body
// unchanged, its signature verifies over those bytes with the certificate
// sent, and the signature type follows the certificate's role.
func TestSendInvoices(t *testing.T) {
	body := readGolden(t, "body.xml")
	require.NoError(t, invoice.Check(body))
	at := certstest.FixtureTime.Add(24 * time.Hour)
	for _, tt := range []struct {
		key  string
		want SignatureType
	}{
		{certstest.FixtureGOSTCEO, SignatureCompany},
		{certstest.FixtureCEOSign, SignatureCompany},
		{certstest.FixtureGOSTCanSign, SignatureOperator},
		{certstest.FixtureGOSTIndividual, SignatureCompany},
	} {
		t.Run(tt.key, func(t *testing.T) {
			key := fixture(t, tt.key)
			f := always(http.StatusOK, readGolden(t, "syncInvoice.response.xml"))
			s := fakeSession(t, f)
			clientAt(s, at)
			res, err := s.SendInvoices(context.Background(), key, body, body)
			require.NoError(t, err)
			assert.Len(t, res.Accepted, 1)

			_, req := f.last()
			var got syncReq
			require.NoError(t, xml.Unmarshal(req, &got))
			require.Len(t, got.Infos, 2)
			der, err := base64.StdEncoding.DecodeString(got.Certificate)
			require.NoError(t, err)
			assert.Equal(t, key.Certificate.X509.Raw, der)
			cert, err := certs.ParseCertificate(der)
			require.NoError(t, err)
			for _, inf := range got.Infos {
				assert.Equal(t, string(body), inf.Body)
				assert.Equal(t, "InvoiceV2", inf.Version)
				assert.Equal(t, string(tt.want), inf.SignatureType)
				assert.NoError(t, invoice.VerifySignature([]byte(inf.Body), inf.Signature, cert))
			}
			assert.Error(t, invoice.VerifySignature(append([]byte(got.Infos[0].Body), ' '), got.Infos[0].Signature, cert), "a byte more does not verify")
		})
	}
}

// What SendInvoices refuses sends nothing.
func TestSendInvoicesRefused(t *testing.T) {
	body := readGolden(t, "body.xml")
	broken := []byte(`<v2:invoice xmlns:a="abstractInvoice.esf" xmlns:v2="v2.esf"><date>15.01.2026</date></v2:invoice>`)
	at := certstest.FixtureTime.Add(24 * time.Hour)
	tests := []struct {
		name string
		key  string
		at   time.Time
		body []byte
		want error
	}{
		{"an AUTH key", certstest.FixtureCEOAuth, at, body, esfreg.ErrCertificateIsNotForSigning},
		{"an expired key", certstest.FixtureGOSTIndividualExpired, at, body, esfreg.ErrCertificateExpired},
		{"a key not valid yet", certstest.FixtureGOSTCEO, certstest.FixtureTime.Add(-time.Hour), body, esfreg.ErrCertificateNotYetValid},
		{"a body the schema refuses", certstest.FixtureGOSTCEO, at, broken, invoice.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := always(http.StatusOK, readGolden(t, "syncInvoice.response.xml"))
			s := fakeSession(t, f)
			clientAt(s, tt.at)
			_, err := s.SendInvoices(context.Background(), fixture(t, tt.key), body, tt.body)
			require.ErrorIs(t, err, tt.want)
			if tt.want == invoice.ErrInvalid {
				assert.Contains(t, err.Error(), "invoice 1 of the batch")
				var ce *invoice.CheckError
				assert.ErrorAs(t, err, &ce)
			}
			assert.Empty(t, f.requests)
		})
	}
	s := fakeSession(t, always(http.StatusOK, nil))
	_, err := s.SendInvoices(context.Background(), nil, body)
	assert.ErrorIs(t, err, esfreg.ErrCertificateIsNotForSigning)
	_, err = s.RevokeInvoices(context.Background(), fixture(t, certstest.FixtureGOSTCEO))
	assert.ErrorIs(t, err, &esfreg.Error{Code: esfreg.CodeFieldRequired, Field: "idWithReasonList"})
	_, err = s.DeleteInvoices(context.Background(), fixture(t, certstest.FixtureGOSTCEO))
	assert.ErrorIs(t, err, &esfreg.Error{Code: esfreg.CodeFieldRequired, Field: "idList"})
}

// The status changes sign their lists as the invoice package writes them.
func TestSignedStatusChanges(t *testing.T) {
	key := fixture(t, certstest.FixtureGOSTCEO)
	cert := key.Certificate
	items := []InvoiceReason{{ID: 20113995733614592, Reason: "Ошибка в сумме & <цене>"}, {ID: 20113995733614594, Reason: "Дубль"}}
	ctx := context.Background()
	for _, tt := range []struct {
		op   string
		call func(s *Session) error
	}{
		{"revokeInvoiceById", func(s *Session) error { _, err := s.RevokeInvoices(ctx, key, items...); return err }},
		{"unrevokeInvoiceById", func(s *Session) error { _, err := s.UnrevokeInvoices(ctx, key, items...); return err }},
		{"declineInvoiceById", func(s *Session) error { _, err := s.DeclineInvoices(ctx, key, items...); return err }},
		{"deleteInvoiceById", func(s *Session) error { _, err := s.DeleteInvoices(ctx, key, 1, 2); return err }},
	} {
		t.Run(tt.op, func(t *testing.T) {
			f := always(http.StatusOK, readGolden(t, tt.op+".response.xml"))
			s := fakeSession(t, f)
			clientAt(s, certstest.FixtureTime.Add(time.Hour))
			require.NoError(t, tt.call(s))
			_, req := f.last()
			assert.Equal(t, tt.op, opOf(req))
			var r changeReq
			require.NoError(t, xml.Unmarshal(req, &r))
			got := r.Body.Op
			der, err := base64.StdEncoding.DecodeString(got.Certificate)
			require.NoError(t, err)
			assert.Equal(t, cert.X509.Raw, der)
			content := invoice.IDsContent([]int64{1, 2})
			if tt.op != "deleteInvoiceById" {
				require.Len(t, got.Items, 2)
				assert.Equal(t, items[0].Reason, got.Items[0].Reason)
				content, err = invoice.IDsWithReasonsContent(items)
				require.NoError(t, err)
			} else {
				assert.Equal(t, []int64{1, 2}, got.IDs)
			}
			assert.NoError(t, invoice.VerifySignature(content, got.Signature, cert))
		})
	}
}

// A received invoice's body parses and its signature verifies.
func TestInvoiceInfoOfAReceivedInvoice(t *testing.T) {
	key := fixture(t, certstest.FixtureGOSTCEO)
	signer, err := key.Signer()
	require.NoError(t, err)
	body := readGolden(t, "body.xml")
	sig, err := invoice.Sign(body, signer)
	require.NoError(t, err)
	info := InvoiceInfo{ID: 1, Body: body, Signature: sig, Certificate: base64.StdEncoding.EncodeToString(key.Certificate.X509.Raw)}
	assert.NoError(t, info.VerifySignature())
	inv, err := info.Invoice()
	require.NoError(t, err)
	assert.Equal(t, "1001", inv.Num)
	info.Body = append([]byte{' '}, body...)
	assert.ErrorIs(t, info.VerifySignature(), invoice.ErrSignature)
	info.Certificate = "!!"
	assert.Error(t, info.VerifySignature())
}
