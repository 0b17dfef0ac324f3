package ncalayer_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/ncalayer"
	"github.com/esfkit/esf/ncalayer/ncalayertest"
)

func TestFilterFits(t *testing.T) {
	auth, sign, gost := keys(t)
	ceoSign := fixtureKey(t, certstest.FixtureCEOSign)
	employee := fixtureKey(t, certstest.FixtureEmployeeSign)
	expired := fixtureKey(t, certstest.FixtureIndividualSignExpired)
	token := fixtureKey(t, certstest.FixtureGOSTEmployee)
	token.Storage = ncalayer.StorageKaztoken
	rsaCA, err := certstest.ReadFixture(certstest.FixtureIntermediateCA)
	require.NoError(t, err)
	rsaIssuer, err := certs.ParseCertificate(rsaCA)
	require.NoError(t, err)

	all := []*ncalayer.Key{auth, sign, gost, ceoSign, employee, expired, token}
	tests := []struct {
		name   string
		filter ncalayer.Filter
		want   []*ncalayer.Key
	}{
		{"zero filter: every key, expired too", ncalayer.Filter{}, all},
		{"valid now", ncalayer.Filter{At: now}, []*ncalayer.Key{auth, sign, gost, ceoSign, employee, token}},
		{"AUTHENTICATION: RSA AUTH and GOST 2015", ncalayer.Filter{Usage: certs.UsageAuth, At: now}, []*ncalayer.Key{auth, gost, token}},
		{"SIGNATURE: RSA SIGN and GOST 2015", ncalayer.Filter{Usage: certs.UsageSign, At: now}, []*ncalayer.Key{sign, gost, ceoSign, employee, token}},
		{"PKCS12 only", ncalayer.Filter{Storages: []string{ncalayer.StoragePKCS12}, At: now}, []*ncalayer.Key{auth, sign, gost, ceoSign, employee}},
		{"the token only", ncalayer.Filter{Storages: []string{ncalayer.StorageKaztoken}}, []*ncalayer.Key{token}},
		{"another token", ncalayer.Filter{Storages: []string{ncalayer.StorageIDCard}}, nil},
		{"IIN", ncalayer.Filter{IIN: certstest.TestIIN2, At: now}, []*ncalayer.Key{employee, token}},
		{"BIN", ncalayer.Filter{BIN: certstest.TestBIN, At: now}, []*ncalayer.Key{gost, ceoSign, employee, token}},
		{"BIN and IIN", ncalayer.Filter{BIN: certstest.TestBIN, IIN: certstest.TestIIN, At: now}, []*ncalayer.Key{gost, ceoSign}},
		{"no such IIN", ncalayer.Filter{IIN: "000000000000"}, nil},
		{"EKU clientAuth", ncalayer.Filter{ExtKeyUsageOIDs: []string{"1.3.6.1.5.5.7.3.2"}, At: now}, []*ncalayer.Key{auth}},
		{"EKU emailProtection and individual", ncalayer.Filter{ExtKeyUsageOIDs: []string{"1.3.6.1.5.5.7.3.4", "1.2.398.3.3.4.1.1"}, At: now}, []*ncalayer.Key{sign}},
		{"EKU CEO role", ncalayer.Filter{ExtKeyUsageOIDs: []string{"1.2.398.3.3.4.1.2.1"}, At: now}, []*ncalayer.Key{gost, ceoSign}},
		{"policy OID counts", ncalayer.Filter{ExtKeyUsageOIDs: []string{"1.2.398.3.3.2"}, At: now}, []*ncalayer.Key{gost, token}},
		{"serial in hex, upper case", ncalayer.Filter{SerialNumber: "368177F3AE6629F8D82330E23C5BEDDB95032687"}, []*ncalayer.Key{auth}},
		{"serial in decimal", ncalayer.Filter{SerialNumber: auth.KeyStore.Certificate.X509.SerialNumber.String()}, []*ncalayer.Key{auth}},
		{"chain: the RSA CA", ncalayer.Filter{Issuers: []*certs.Certificate{rsaIssuer}, At: now}, []*ncalayer.Key{auth, sign, ceoSign, employee}},
		{"chain: [] is any issuer", ncalayer.Filter{Issuers: []*certs.Certificate{}, At: now}, []*ncalayer.Key{auth, sign, gost, ceoSign, employee, token}},
		{"expired at a later time", ncalayer.Filter{At: now.Add(400 * 24 * time.Hour)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []*ncalayer.Key
			for _, k := range all {
				if tt.filter.Fits(k) {
					got = append(got, k)
				}
			}
			require.Equal(t, names(tt.want), names(got))
		})
	}
	require.False(t, (&ncalayer.Filter{}).Fits(nil))
	require.False(t, (&ncalayer.Filter{}).Fits(&ncalayer.Key{}))
}

func names(ks []*ncalayer.Key) []string {
	var out []string
	for _, k := range ks {
		out = append(out, k.Name)
	}
	return out
}

// TestChooseSeesThePrompt drives the scripted user: it sees what was asked
// and which keys fit, picks one, or cancels.
func TestChooseSeesThePrompt(t *testing.T) {
	auth, sign, gost := keys(t)
	prompts := make(chan *ncalayer.Prompt, 10)
	pick := map[string]*ncalayer.Key{}
	opts := baseOptions(auth, sign, gost)
	opts.Choose = func(ctx context.Context, p *ncalayer.Prompt) (*ncalayer.Key, error) {
		prompts <- p
		if k, ok := pick[p.Method]; ok {
			return k, nil
		}
		return nil, ncalayer.ErrCanceled
	}
	pick["signXml"] = gost
	pick["getKeyInfo"] = auth // not offered below: an answer of cancel
	srv := ncalayertest.Start(t, opts)
	c, _ := dial(t, srv, "http://localhost:8080")

	reply := decode(t, c.call(cu+`"method":"changeLocale","args":["kk"]}`))
	require.Equal(t, "200", reply["code"])
	reply = decode(t, c.call(cu+`"method":"signXml","args":["PKCS12","SIGNATURE","<a/>","",""]}`))
	require.Equal(t, "200", reply["code"], reply)
	p := <-prompts
	require.Equal(t, ncalayer.ModuleCommonUtils, p.Module)
	require.Equal(t, "SIGNATURE", p.KeyType)
	require.Equal(t, certs.UsageSign, p.Filter.Usage)
	require.Equal(t, []string{sign.Name, gost.Name}, names(p.Keys))
	require.Equal(t, "kk", p.Locale)
	require.Equal(t, "http://localhost:8080", p.Origin)

	// A key that was not offered is a cancel.
	opts2 := baseOptions(sign)
	opts2.Choose = func(context.Context, *ncalayer.Prompt) (*ncalayer.Key, error) { return auth, nil }
	c2, _ := dial(t, ncalayertest.Start(t, opts2), "")
	require.Equal(t, `{"code":"500","message":"action.canceled"}`, c2.call(cu+`"method":"getKeyInfo","args":["PKCS12"]}`))

	// Each commonUtils method names itself.
	reply = decode(t, c.call(cu+`"method":"createCAdESFromBase64","args":["PKCS12","ANY","MTEK",true]}`))
	require.Equal(t, "500", reply["code"]) // no pick for it: canceled
	p = <-prompts
	require.Equal(t, "createCAdESFromBase64", p.Method)
	require.Len(t, p.Keys, 3, "any other keyType is any key")

	// basics: the prompt carries signerParams.
	reply = decode(t, c.call(basics+`{"format":"cms","data":"MTEK","signingParams":{"decode":true},"signerParams":{"extKeyUsageOids":["1.3.6.1.5.5.7.3.4"],"bin":"123456789021"},"locale":"ru"}}`))
	require.Equal(t, map[string]any{}, reply["body"]) // canceled: no pick for "sign"
	p = <-prompts
	require.Equal(t, "cms", p.Format)
	require.Equal(t, "123456789021", p.Filter.BIN)
	require.Equal(t, "ru", p.Locale)
	require.Equal(t, []string{gost.Name}, names(p.Keys))
}
