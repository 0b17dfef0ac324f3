package cms

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/asn1"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/internal/testref"
)

// These tests take a CMS made by Sign apart, change one thing and put it
// together again, to check each rule of Verify alone.

var (
	testContent = []byte("Тестовый файл для подписания сертификатом ФЛ KZ")
	testTime    = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
)

type keyPair struct {
	signer crypto.Signer
	cert   *certs.Certificate
}

func openFixture(t testing.TB, name string) keyPair {
	t.Helper()
	ks, err := certstest.OpenFixture(name)
	require.NoError(t, err)
	s, err := ks.Signer()
	require.NoError(t, err)
	return keyPair{s, ks.Certificate}
}

func signed(t testing.TB, k keyPair, opts SignOptions) []byte {
	t.Helper()
	der, err := Sign(testContent, k.signer, k.cert, opts)
	require.NoError(t, err)
	return der
}

// split returns the encoded elements of a constructed element.
func split(t testing.TB, der []byte) [][]byte {
	t.Helper()
	var e asn1.RawValue
	rest, err := asn1.Unmarshal(der, &e)
	require.NoError(t, err)
	require.Empty(t, rest)
	var out [][]byte
	for b := e.Bytes; len(b) > 0; {
		var k asn1.RawValue
		b, err = asn1.Unmarshal(b, &k)
		require.NoError(t, err)
		out = append(out, k.FullBytes)
	}
	return out
}

// join encodes a constructed element from encoded elements.
func join(tag byte, elems ...[]byte) []byte {
	n := node{tag: tag, kids: []node{}}
	for _, e := range elems {
		n.kids = append(n.kids, encoded(e))
	}
	return n.bytes()
}

// cmsEdit is a CMS taken apart: SignedData's fields but the last (the
// signers), and each SignerInfo's fields.
type cmsEdit struct {
	contentType []byte
	fields      [][]byte
	signers     [][][]byte
	after       [][]byte // elements after signerInfos
}

func edit(t testing.TB, der []byte, change func(e *cmsEdit)) []byte {
	t.Helper()
	ci := split(t, der)
	sd := split(t, split(t, ci[1])[0])
	e := &cmsEdit{contentType: ci[0], fields: sd[:len(sd)-1]}
	for _, si := range split(t, sd[len(sd)-1]) {
		e.signers = append(e.signers, split(t, si))
	}
	change(e)
	var infos [][]byte
	for _, si := range e.signers {
		infos = append(infos, join(tagSequence, si...))
	}
	fields := append(append(append([][]byte{}, e.fields...), join(tagSet, infos...)), e.after...)
	return join(tagSequence, e.contentType, join(tagContext0, join(tagSequence, fields...)))
}

// field returns the index of the first field that starts with tag, or -1.
func field(fields [][]byte, tag byte) int {
	for i, f := range fields {
		if f[0] == tag {
			return i
		}
	}
	return -1
}

// attrOID returns the type of an encoded attribute.
func attrOID(t testing.TB, attr []byte) asn1.ObjectIdentifier {
	t.Helper()
	var a attributeASN
	_, err := asn1.Unmarshal(attr, &a)
	require.NoError(t, err)
	return a.Type
}

// editAttrs changes the signed attributes of signer i and, with k, signs
// them again.
func (e *cmsEdit) editAttrs(t testing.TB, i int, k *keyPair, change func(attrs [][]byte) [][]byte) {
	t.Helper()
	si := e.signers[i]
	j := field(si, tagContext0)
	require.Positive(t, j)
	attrs := change(split(t, si[j]))
	si[j] = join(tagContext0, attrs...)
	if k != nil {
		alg, err := algorithmFor(k.cert.Algorithm)
		require.NoError(t, err)
		set := join(tagSet, attrs...)
		sig, err := signDigest(k.signer, k.cert, alg, set, nil)
		require.NoError(t, err)
		require.Equal(t, byte(tagOctetString), si[len(si)-1][0], "the signature is the last field")
		si[len(si)-1] = prim(tagOctetString, sig).bytes()
	}
}

func attribute_(t testing.TB, typ asn1.ObjectIdentifier, values ...[]byte) []byte {
	t.Helper()
	o, err := asn1.Marshal(typ)
	require.NoError(t, err)
	return join(tagSequence, o, join(tagSet, values...))
}

func without(t testing.TB, attrs [][]byte, typ asn1.ObjectIdentifier) [][]byte {
	var out [][]byte
	for _, a := range attrs {
		if !attrOID(t, a).Equal(typ) {
			out = append(out, a)
		}
	}
	return out
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	require.NoError(t, err)
	return b
}

func TestVerifyRules(t *testing.T) {
	rsa := openFixture(t, certstest.FixtureIndividualSign)
	gost := openFixture(t, certstest.FixtureGOSTCEO)
	other := openFixture(t, certstest.FixtureCEOSign)
	base := signed(t, rsa, SignOptions{SigningTime: testTime})
	gostDER := signed(t, gost, SignOptions{SigningTime: testTime})
	nullParams := []byte{tagNull, 0}
	essV2 := func(cert *certs.Certificate) []byte {
		h := sha256.Sum256(cert.X509.Raw)
		return join(tagSequence, join(tagSequence, join(tagSequence, prim(tagOctetString, h[:]).bytes())))
	}

	for _, tc := range []struct {
		name string
		der  []byte
		opts VerifyOptions
		want error // nil: verifies
	}{
		{"as signed", base, VerifyOptions{}, nil},
		{"trailing byte", append(bytes.Clone(base), 0), VerifyOptions{}, ErrMalformed},
		{"truncated", base[:len(base)-1], VerifyOptions{}, ErrMalformed},
		{"empty", nil, VerifyOptions{}, ErrMalformed},
		{"too large", base, VerifyOptions{MaxSize: len(base) - 1}, ErrTooLarge},
		{"not signedData", edit(t, base, func(e *cmsEdit) {
			e.contentType = mustMarshal(t, asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 3})
		}), VerifyOptions{}, ErrUnsupported},
		{"an element after signerInfos", edit(t, base, func(e *cmsEdit) { e.after = [][]byte{{tagNull, 0}} }), VerifyOptions{}, ErrMalformed},
		{"SignedData version 0", edit(t, base, func(e *cmsEdit) { e.fields[0] = []byte{tagInteger, 1, 0} }), VerifyOptions{}, ErrMalformed},
		{"no signer", edit(t, base, func(e *cmsEdit) { e.signers = nil }), VerifyOptions{}, ErrNoSignature},
		{"17 signers", edit(t, base, func(e *cmsEdit) {
			for range MaxSigners {
				e.signers = append(e.signers, e.signers[0])
			}
		}), VerifyOptions{}, ErrTooLarge},
		{"no certificates", edit(t, base, func(e *cmsEdit) {
			e.fields = append(e.fields[:3], e.fields[4:]...)
		}), VerifyOptions{}, ErrCertificate},
		{"another certificate", edit(t, base, func(e *cmsEdit) {
			e.fields[3] = join(tagContext0, other.cert.X509.Raw)
		}), VerifyOptions{}, ErrCertificate},
		{"33 certificates", edit(t, base, func(e *cmsEdit) {
			raws := make([][]byte, MaxCertificates+1)
			for i := range raws {
				raws[i] = rsa.cert.X509.Raw
			}
			e.fields[3] = join(tagContext0, raws...)
		}), VerifyOptions{}, ErrTooLarge},
		{"the signer's certificate twice", edit(t, base, func(e *cmsEdit) {
			e.fields[3] = join(tagContext0, rsa.cert.X509.Raw, rsa.cert.X509.Raw)
		}), VerifyOptions{}, nil},
		{"an attribute certificate", edit(t, base, func(e *cmsEdit) {
			e.fields[3] = join(tagContext0, rsa.cert.X509.Raw, join(0xa2, []byte{tagNull, 0}))
		}), VerifyOptions{}, ErrUnsupported},
		{"SignedData does not list the digest", edit(t, base, func(e *cmsEdit) {
			e.fields[1] = join(tagSet, algorithmID(OIDStreebog512).bytes())
		}), VerifyOptions{}, ErrMalformed},
		{"SignerInfo version 3 with issuerAndSerialNumber", edit(t, base, func(e *cmsEdit) {
			e.signers[0][0] = []byte{tagInteger, 1, 3}
		}), VerifyOptions{}, ErrMalformed},
		{"subjectKeyIdentifier (version 3)", edit(t, base, func(e *cmsEdit) {
			e.signers[0][0] = []byte{tagInteger, 1, 3}
			e.signers[0][1] = prim(0x80, rsa.cert.SKI).bytes()
		}), VerifyOptions{}, nil},
		{"another subjectKeyIdentifier", edit(t, base, func(e *cmsEdit) {
			e.signers[0][0] = []byte{tagInteger, 1, 3}
			e.signers[0][1] = prim(0x80, other.cert.SKI).bytes()
		}), VerifyOptions{}, ErrCertificate},
		{"SHA-1 digest", edit(t, base, func(e *cmsEdit) {
			e.signers[0][2] = algorithmID(oidSHA1).bytes()
		}), VerifyOptions{}, ErrUnsupported},
		{"digest without NULL", edit(t, base, func(e *cmsEdit) {
			e.signers[0][2] = join(tagSequence, mustMarshal(t, OIDSHA256))
		}), VerifyOptions{}, nil},
		{"digest with other parameters", edit(t, base, func(e *cmsEdit) {
			e.signers[0][2] = join(tagSequence, mustMarshal(t, OIDSHA256), mustMarshal(t, 5))
		}), VerifyOptions{}, ErrUnsupported},
		{"rsaEncryption as the signature algorithm (OpenSSL)", edit(t, base, func(e *cmsEdit) {
			e.signers[0][4] = algorithmID(oidRSAEncryption).bytes()
		}), VerifyOptions{}, nil},
		{"GOST signature algorithm on an RSA key", edit(t, base, func(e *cmsEdit) {
			e.signers[0][4] = algorithmID(certs.OIDGOST2015Signature512).bytes()
		}), VerifyOptions{}, ErrUnsupported},
		{"SHA-256 digest on a GOST key", edit(t, gostDER, func(e *cmsEdit) {
			e.signers[0][2] = algorithmID(OIDSHA256).bytes()
		}), VerifyOptions{}, ErrUnsupported},
		{"GOST key OID as the signature algorithm", edit(t, gostDER, func(e *cmsEdit) {
			e.signers[0][4] = join(tagSequence, mustMarshal(t, certs.OIDGOST2015PublicKey512), nullParams)
		}), VerifyOptions{}, nil},
		{"no signed attributes", edit(t, base, func(e *cmsEdit) {
			e.signers[0] = append(e.signers[0][:3], e.signers[0][4:]...)
		}), VerifyOptions{}, ErrMalformed},
		{"empty signed attributes", edit(t, base, func(e *cmsEdit) {
			e.editAttrs(t, 0, nil, func([][]byte) [][]byte { return nil })
		}), VerifyOptions{}, ErrMalformed},
		{"a signed attribute twice", edit(t, base, func(e *cmsEdit) {
			e.editAttrs(t, 0, &rsa, func(a [][]byte) [][]byte { return append(a, a[1]) })
		}), VerifyOptions{}, ErrMalformed},
		{"no content type", edit(t, base, func(e *cmsEdit) {
			e.editAttrs(t, 0, &rsa, func(a [][]byte) [][]byte { return without(t, a, oidContentType) })
		}), VerifyOptions{}, ErrMalformed},
		{"no message digest", edit(t, base, func(e *cmsEdit) {
			e.editAttrs(t, 0, &rsa, func(a [][]byte) [][]byte { return without(t, a, oidMessageDigest) })
		}), VerifyOptions{}, ErrMalformed},
		{"no signing time", edit(t, base, func(e *cmsEdit) {
			e.editAttrs(t, 0, &rsa, func(a [][]byte) [][]byte { return without(t, a, oidSigningTime) })
		}), VerifyOptions{}, nil},
		{"two message digests in one attribute", edit(t, base, func(e *cmsEdit) {
			e.editAttrs(t, 0, &rsa, func(a [][]byte) [][]byte {
				d, _ := digestOf(OIDSHA256, testContent)
				md := prim(tagOctetString, d).bytes()
				return append(without(t, a, oidMessageDigest), attribute_(t, oidMessageDigest, md, md))
			})
		}), VerifyOptions{}, ErrMalformed},
		{"content type signed as id-signedData", edit(t, base, func(e *cmsEdit) {
			e.editAttrs(t, 0, &rsa, func(a [][]byte) [][]byte {
				return append(without(t, a, oidContentType), attribute_(t, oidContentType, mustMarshal(t, OIDSignedData)))
			})
		}), VerifyOptions{}, ErrContentType},
		{"signing time not a time", edit(t, base, func(e *cmsEdit) {
			e.editAttrs(t, 0, &rsa, func(a [][]byte) [][]byte {
				return append(without(t, a, oidSigningTime), attribute_(t, oidSigningTime, mustMarshal(t, 5)))
			})
		}), VerifyOptions{}, ErrMalformed},
		{"signingCertificateV2 of the signer", edit(t, base, func(e *cmsEdit) {
			e.editAttrs(t, 0, &rsa, func(a [][]byte) [][]byte { return append(a, attribute_(t, oidSigningCertV2, essV2(rsa.cert))) })
		}), VerifyOptions{}, nil},
		{"signingCertificateV2 of another certificate", edit(t, base, func(e *cmsEdit) {
			e.editAttrs(t, 0, &rsa, func(a [][]byte) [][]byte { return append(a, attribute_(t, oidSigningCertV2, essV2(other.cert))) })
		}), VerifyOptions{}, ErrCertificate},
		{"signingCertificate (v1) of another certificate", edit(t, base, func(e *cmsEdit) {
			e.editAttrs(t, 0, &rsa, func(a [][]byte) [][]byte {
				return append(a, attribute_(t, oidSigningCert, join(tagSequence, join(tagSequence, join(tagSequence, prim(tagOctetString, make([]byte, 20)).bytes())))))
			})
		}), VerifyOptions{}, ErrCertificate},
		{"an unknown signed attribute", edit(t, base, func(e *cmsEdit) {
			e.editAttrs(t, 0, &rsa, func(a [][]byte) [][]byte {
				return append(a, attribute_(t, asn1.ObjectIdentifier{1, 2, 3, 4}, []byte{tagNull, 0}))
			})
		}), VerifyOptions{}, nil},
		{"signed attributes changed, not signed again", edit(t, base, func(e *cmsEdit) {
			e.editAttrs(t, 0, nil, func(a [][]byte) [][]byte {
				return append(a, attribute_(t, asn1.ObjectIdentifier{1, 2, 3, 4}, []byte{tagNull, 0}))
			})
		}), VerifyOptions{}, ErrSignature},
		{"an unknown unsigned attribute", edit(t, base, func(e *cmsEdit) {
			e.signers[0] = append(e.signers[0], join(0xa1, attribute_(t, asn1.ObjectIdentifier{1, 2, 3, 4}, []byte{tagNull, 0})))
		}), VerifyOptions{}, nil},
		{"a time-stamp that is not a token", edit(t, base, func(e *cmsEdit) {
			e.signers[0] = append(e.signers[0], join(0xa1, attribute_(t, oidTimeStampToken, []byte{tagNull, 0})))
		}), VerifyOptions{}, ErrTimeStamp},
		{"a time-stamp token that is a signed document", edit(t, base, func(e *cmsEdit) {
			e.signers[0] = append(e.signers[0], join(0xa1, attribute_(t, oidTimeStampToken, base)))
		}), VerifyOptions{}, ErrTimeStamp},
		{"an element after the unsigned attributes", edit(t, base, func(e *cmsEdit) {
			e.signers[0] = append(e.signers[0], join(0xa1, attribute_(t, asn1.ObjectIdentifier{1, 2, 3, 4}, []byte{tagNull, 0})), []byte{tagNull, 0})
		}), VerifyOptions{}, ErrMalformed},
		{"eContent not an OCTET STRING", edit(t, base, func(e *cmsEdit) {
			e.fields[2] = join(tagSequence, mustMarshal(t, OIDData), join(tagContext0, []byte{tagNull, 0}))
		}), VerifyOptions{}, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Verify(tc.der, tc.opts)
			if tc.want == nil {
				require.NoError(t, err)
				assert.Equal(t, testContent, v.Content)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

// TestCoSigned: a CMS signed by two signers over one content, as NCA's
// tools co-sign (an RSA and a GOST key): Verify wants one, VerifyAll checks
// both.
func TestCoSigned(t *testing.T) {
	rsa := openFixture(t, certstest.FixtureIndividualSign)
	gost := openFixture(t, certstest.FixtureGOSTCEO)
	first := signed(t, rsa, SignOptions{SigningTime: testTime})
	second := signed(t, gost, SignOptions{SigningTime: testTime.Add(time.Minute)})
	var gostSigner [][]byte
	edit(t, second, func(e *cmsEdit) { gostSigner = e.signers[0] })
	both := edit(t, first, func(e *cmsEdit) {
		e.fields[1] = join(tagSet, algorithmID(OIDSHA256).bytes(), algorithmID(OIDStreebog512).bytes())
		e.fields[3] = join(tagContext0, rsa.cert.X509.Raw, gost.cert.X509.Raw)
		e.signers = append(e.signers, gostSigner)
	})
	_, err := Verify(both, VerifyOptions{})
	assert.ErrorIs(t, err, ErrSignatureCount)
	all, err := VerifyAll(both, VerifyOptions{})
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.Equal(t, certs.AlgorithmRSA, all[0].Signer.Algorithm)
	assert.Equal(t, certs.AlgorithmGOST2015_512, all[1].Signer.Algorithm)
	assert.Equal(t, testTime.Add(time.Minute), all[1].SigningTime)

	// The second signer's signature changed: the error names it.
	sigs, err := SignatureValues(both)
	require.NoError(t, err)
	i := bytes.Index(both, sigs[1])
	bad := bytes.Clone(both)
	bad[i+5] ^= 1
	_, err = VerifyAll(bad, VerifyOptions{})
	var ce *Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 1, ce.Index)
	assert.ErrorIs(t, err, ErrSignature)
}

// toBER rewrites a CMS made by Sign as NCALayer writes its own ("MIAG…"):
// the ContentInfo, SignedData and encapContentInfo with indefinite lengths,
// and the content as a constructed OCTET STRING of chunk-byte segments.
func toBER(t testing.TB, der []byte, chunk int) []byte {
	t.Helper()
	indef := func(tag byte, kids ...[]byte) []byte {
		out := []byte{tag, 0x80}
		for _, k := range kids {
			out = append(out, k...)
		}
		return append(out, 0, 0)
	}
	ci := split(t, der)
	sd := split(t, split(t, ci[1])[0])
	encap := split(t, sd[2])
	if len(encap) == 2 {
		var content []byte
		_, err := asn1.Unmarshal(split(t, encap[1])[0], &content)
		require.NoError(t, err)
		var segs [][]byte
		for len(content) > 0 {
			n := min(chunk, len(content))
			segs, content = append(segs, prim(tagOctetString, content[:n]).bytes()), content[n:]
		}
		encap[1] = indef(tagContext0, indef(0x24, segs...))
	}
	sd[2] = indef(tagSequence, encap...)
	return indef(tagSequence, ci[0], indef(tagContext0, indef(tagSequence, sd...)))
}

func TestVerifyBER(t *testing.T) {
	for _, name := range []string{certstest.FixtureIndividualSign, certstest.FixtureGOSTIndividual, certstest.FixtureGOST2004CEO} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			k := openFixture(t, name)
			der := signed(t, k, SignOptions{SigningTime: testTime})
			ber := toBER(t, der, 10)
			require.Equal(t, []byte{0x30, 0x80, 0x06}, ber[:3], "MIAG…")
			back, err := certs.BERToDER(ber)
			require.NoError(t, err)
			assert.Equal(t, der, back, "certs rewrites it as the DER Sign wrote")

			v, err := Verify(ber, VerifyOptions{})
			require.NoError(t, err)
			assert.Equal(t, testContent, v.Content)

			// A changed byte of a content segment is still found.
			i := bytes.Index(ber, testContent[20:30])
			require.Positive(t, i)
			bad := bytes.Clone(ber)
			bad[i] ^= 1
			_, err = Verify(bad, VerifyOptions{})
			assert.ErrorIs(t, err, ErrDigest)
			// BER that does not end is malformed.
			_, err = Verify(ber[:len(ber)-2], VerifyOptions{})
			assert.ErrorIs(t, err, ErrMalformed)

			detached := toBER(t, signed(t, k, SignOptions{Detached: true}), 10)
			_, err = Verify(detached, VerifyOptions{Content: testContent})
			require.NoError(t, err)
		})
	}
}

// TestTimeStampOfAnotherSignature: NCA's real time-stamp token, moved onto
// our signature, does not stamp it.
func TestTimeStampOfAnotherSignature(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs", "skarm_kalkan", "testdata", "cms")
	theirs, err := os.ReadFile(filepath.Join(dir, "individual_attached.der"))
	require.NoError(t, err)
	var unsigned []byte
	edit(t, theirs, func(e *cmsEdit) { unsigned = e.signers[0][len(e.signers[0])-1] })
	require.Equal(t, byte(0xa1), unsigned[0])

	k := openFixture(t, certstest.FixtureGOSTIndividual)
	moved := edit(t, signed(t, k, SignOptions{}), func(e *cmsEdit) { e.signers[0] = append(e.signers[0], unsigned) })
	_, err = Verify(moved, VerifyOptions{})
	assert.ErrorIs(t, err, ErrTimeStamp)
	assert.ErrorContains(t, err, "messageImprint")

	// Where it belongs it verifies; with a chain for the TSA that does not
	// trust its (production) CA, it does not.
	content, err := os.ReadFile(filepath.Join(dir, "individual_document.txt"))
	require.NoError(t, err)
	v, err := Verify(theirs, VerifyOptions{Content: content})
	require.NoError(t, err)
	require.Len(t, v.TimeStamps, 1)
	assert.Equal(t, "TIME-STAMPING AUTHORITY", v.TimeStamps[0].Signer.CommonName)
	assert.True(t, OIDStreebog512.Equal(v.TimeStamps[0].HashAlgorithm))
	_, err = Verify(theirs, VerifyOptions{TimeStampChain: &certs.VerifyOptions{Roots: []*certs.Certificate{k.cert}}, Now: func() time.Time { return testTime }})
	var ve *certs.VerifyError
	require.ErrorAs(t, err, &ve)
	assert.ErrorIs(t, err, ErrTimeStamp)
	assert.Equal(t, certs.ReasonUnknownAuthority, ve.Reason)
}

func TestTimeValue(t *testing.T) {
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(1949, 12, 31, 23, 59, 59, 0, time.UTC), "\x18\x0f19491231235959Z"},
		{time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC), "\x17\x0d500101000000Z"},
		{time.Date(2049, 12, 31, 23, 59, 59, 999, time.UTC), "\x17\x0d491231235959Z"},
		{time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC), "\x18\x0f20500101000000Z"},
		{time.Date(2026, 6, 1, 14, 0, 0, 0, time.FixedZone("Astana", 5*3600)), "\x17\x0d260601090000Z"},
	} {
		assert.Equal(t, tc.want, string(timeValue(tc.at).bytes()), "%v", tc.at)
	}
}

func TestCompareDER(t *testing.T) {
	assert.Negative(t, compareDER([]byte{1}, []byte{2}))
	assert.Negative(t, compareDER([]byte{1}, []byte{1, 1}), "the shorter is padded with zeros")
	assert.Zero(t, compareDER([]byte{1}, []byte{1, 0}), "padding makes them equal")
	assert.Positive(t, compareDER([]byte{2}, []byte{1, 0xff}))
	assert.Equal(t, []byte{0x82, 1, 0}, appendLength(nil, 256))
	assert.Equal(t, []byte{0x81, 0x80}, appendLength(nil, 128))
	assert.Equal(t, []byte{0x7f}, appendLength(nil, 127))
}
