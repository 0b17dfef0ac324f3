package ncalayer_test

import (
	"bytes"
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/cms"
	"github.com/esfkit/esf/internal/testref"
	"github.com/esfkit/esf/ncalayer"
	"github.com/esfkit/esf/ncalayer/ncalayertest"
	"github.com/esfkit/esf/xmlsig"
)

// TestRealNCAKeyStores: NCA's own test key stores (RSA AUTH and SIGN of
// 2020, GOST 2015-512 of 2026) through the protocol, each at a time
// inside its validity: getKeyInfo describes it, signXml and
// createCMSSignatureFromBase64 sign with it, and the signatures verify.
func TestRealNCAKeyStores(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs")
	for _, tt := range []struct {
		path, keyType, alias string
	}{
		{"danikarik_ncanode-go/testdata/personal/active/AUTH_RSA256_b2c70a9ff7a5dc59de0ccc3c0ddde3437cc1f12d.p12", "AUTHENTICATION", "b2c70a9ff7a5dc59de0ccc3c0ddde3437cc1f12d"},
		{"danikarik_ncanode-go/testdata/personal/active/RSA256_11c707bd54cbfcccb3815e39c4eb57b1dc7dfea9.p12", "SIGNATURE", "11c707bd54cbfcccb3815e39c4eb57b1dc7dfea9"},
		{"ncanode-kz_NCANode-Go/internal/testdata/certs/legal/valid/head.p12", "AUTHENTICATION", ""},
	} {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			ks, err := certs.OpenFile(filepath.Join(dir, tt.path), "Qwerty12")
			require.NoError(t, err)
			cert := ks.Certificate
			at := cert.NotBefore.AddDate(0, 0, 1)
			srv := ncalayertest.Start(t, ncalayer.Options{
				Keys: []*ncalayer.Key{{KeyStore: ks, Name: filepath.Base(tt.path)}},
				Now:  func() time.Time { return at },
			})
			c, _ := dial(t, srv, "")

			info := decode(t, c.call(cu+`"method":"getKeyInfo","args":["PKCS12"]}`))
			require.Equal(t, "200", info["code"], info)
			ki := info["responseObject"].(map[string]any)
			require.Equal(t, cert.CommonName, ki["subjectCn"])
			require.Contains(t, ki["subjectDn"], "SERIALNUMBER=IIN"+cert.IIN)
			if tt.alias != "" {
				require.Equal(t, tt.alias, ki["keyId"], "NCA's alias: the SKI in lower-case hex")
			}
			if cert.Algorithm == certs.AlgorithmGOST2015_512 {
				require.Equal(t, "ECGOST3410-2015-512", ki["algorithm"])
			}

			reply := decode(t, c.call(cu+`"method":"signXml","args":["PKCS12","`+tt.keyType+`","<login><sessionid>1</sessionid></login>","",""]}`))
			require.Equal(t, "200", reply["code"], reply)
			signed := reply["responseObject"].(string)
			require.True(t, strings.HasPrefix(signed, `<?xml version="1.0" encoding="UTF-8" standalone="no"?><login>`))
			ver, err := xmlsig.Verify([]byte(signed), xmlsig.VerifyOptions{Now: func() time.Time { return at }})
			require.NoError(t, err)
			require.True(t, bytes.Equal(cert.X509.Raw, ver.Signer.X509.Raw))

			reply = decode(t, c.call(cu+`"method":"createCMSSignatureFromBase64","args":["PKCS12","`+tt.keyType+`","MTEK",false]}`))
			require.Equal(t, "200", reply["code"], reply)
			der, err := base64.StdEncoding.DecodeString(reply["responseObject"].(string))
			require.NoError(t, err)
			cv, err := cms.Verify(der, cms.VerifyOptions{Content: []byte("11\n"), Now: func() time.Time { return at }})
			require.NoError(t, err)
			require.True(t, cv.Detached)
			require.True(t, bytes.Equal(cert.X509.Raw, cv.Signer.X509.Raw))

			// The other key type does not fit an RSA key: cancel.
			other := map[string]string{"AUTHENTICATION": "SIGNATURE", "SIGNATURE": "AUTHENTICATION"}[tt.keyType]
			reply = decode(t, c.call(cu+`"method":"signXml","args":["PKCS12","`+other+`","<a/>","",""]}`))
			if cert.Algorithm == certs.AlgorithmRSA {
				require.Equal(t, "action.canceled", reply["message"])
			} else {
				require.Equal(t, "200", reply["code"], "NCA's GOST 2015 key is both")
			}
		})
	}
}
