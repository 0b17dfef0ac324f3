package gost

import (
	"bytes"
	"crypto/rand"
	"errors"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixedReader returns the same bytes once: a fixed k for the examples.
type fixedReader struct{ b []byte }

func (f *fixedReader) Read(p []byte) (int, error) {
	if len(f.b) == 0 {
		return 0, errors.New("fixed k used up")
	}
	n := copy(p, f.b)
	f.b = f.b[n:]
	return n, nil
}

// The GOST R 34.10-2012 examples (RFC 7091 §A; gost.md §4.1), on the
// standard's test curves with a = 7, signed with the given k.
func TestRFC7091Examples(t *testing.T) {
	for _, ex := range []struct {
		name                  string
		params                *CurveParams
		d, qx, qy, e, k, r, s string
	}{
		{
			name: "example 1, 256-bit",
			params: &CurveParams{
				P: mustHex("8000000000000000000000000000000000000000000000000000000000000431"),
				A: big.NewInt(7),
				B: mustHex("5FBFF498AA938CE739B8E022FBAFEF40563F6E6A3472FC2A514C0CE9DAE23B7E"),
				Q: mustHex("8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3"),
				X: big.NewInt(2),
				Y: mustHex("08E2A8A0E65147D4BD6316030E16D19C85C97F0A9CA267122B96ABBCEA7E8FC8"),
			},
			d:  "7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28",
			qx: "7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B",
			qy: "26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA",
			e:  "2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5",
			k:  "77105C9B20BCD3122823C8CF6FCC7B956DE33814E95B7FE64FED924594DCEAB3",
			r:  "41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493",
			s:  "01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40",
		},
		{
			name: "example 2, 512-bit",
			params: &CurveParams{
				P: mustHex("4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15DF1D852741AF4704A0458047E80E4546D35B8336FAC224DD81664BBF528BE6373"),
				A: big.NewInt(7),
				B: mustHex("1CFF0806A31116DA29D8CFA54E57EB748BC5F377E49400FDD788B649ECA1AC4361834013B2AD7322480A89CA58E0CF74BC9E540C2ADD6897FAD0A3084F302ADC"),
				Q: mustHex("4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15DA82F2D7ECB1DBAC719905C5EECC423F1D86E25EDBE23C595D644AAF187E6E6DF"),
				X: mustHex("24D19CC64572EE30F396BF6EBBFD7A6C5213B3B3D7057CC825F91093A68CD762FD60611262CD838DC6B60AA7EEE804E28BC849977FAC33B4B530F1B120248A9A"),
				Y: mustHex("2BB312A43BD2CE6E0D020613C857ACDDCFBF061E91E5F2C3F32447C259F39B2C83AB156D77F1496BF7EB3351E1EE4E43DC1A18B91B24640B6DBB92CB1ADD371E"),
			},
			d: "0BA6048AADAE241BA40936D47756D7C93091A0E8514669700EE7508E508B102072E8123B2200A0563322DAD2827E2714A2636B7BFD18AADFC62967821FA18DD4",
			e: "3754F3CFACC9E0615C4F4A7C4D8DAB531B09B6F9C170C533A71D147035B0C5917184EE536593F4414339976C647C5D5A407ADEDB1D560C4FC6777D2972075B8C",
			k: "0359E7F4B1410FEACC570456C6801496946312120B39D019D455986E364F365886748ED7A44B3E794434006011842286212273A6D14CF70EA3AF71BB1AE679F1",
			r: "2F86FA60A081091A23DD795E1E3C689EE512A3C82EE0DCC2643C78EEA8FCACD35492558486B20F1C9EC197C90699850260C93BCBCD9C5C3317E19344E173AE36",
			s: "1081B394696FFE8E6585E7A9362D26B6325F56778AADBC081C0BFBE933D52FF5823CE288E8C4F362526080DF7F70CE406A6EEB1F56919CB92A9853BDE73E5B4A",
		},
	} {
		t.Run(ex.name, func(t *testing.T) {
			cv := newCurve(ex.params)
			require.False(t, cv.aMinus3, "the general-a path")
			require.True(t, cv.onCurve(ex.params.X, ex.params.Y))
			n := cv.size
			d := mustHex(ex.d)
			dn := natFromBig(d)
			var dMont nat
			cv.fq.toMont(&dMont, &dn)
			var q point
			cv.scalarMult(&q, &cv.g, fixed(d, n))
			qx, qy, ok := cv.affine(&q)
			require.True(t, ok)
			if ex.qx != "" {
				assert.Equal(t, mustHex(ex.qx), qx)
				assert.Equal(t, mustHex(ex.qy), qy)
			} else {
				assert.Equal(t, "115dc5bc", qx.Text(16)[:8], "Q.x begins as in the standard")
				assert.Equal(t, "d530efe1", qx.Text(16)[len(qx.Text(16))-8:])
			}
			digest := reversed(fixed(mustHex(ex.e), n)) // e is the digest read little-endian
			r, s, err := cv.sign(&dMont, digest, &fixedReader{fixed(mustHex(ex.k), n)})
			require.NoError(t, err)
			assert.Equal(t, fixed(mustHex(ex.r), n), r)
			assert.Equal(t, fixed(mustHex(ex.s), n), s)

			for _, layout := range []Layout{LayoutNCA, LayoutRFC} {
				sig := encodeSignature(r, s, n, layout)
				require.NoError(t, cv.verify(qx, qy, digest, sig, layout))
				other := LayoutRFC
				if layout == LayoutRFC {
					other = LayoutNCA
				}
				assert.ErrorIs(t, cv.verify(qx, qy, digest, sig, other), ErrVerification)
			}
		})
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	for _, c := range []Curve{CurveCryptoProA, CurveTC26512A} {
		t.Run(c.String(), func(t *testing.T) {
			d := make([]byte, c.Size())
			_, err := rand.Read(d)
			require.NoError(t, err)
			d[0] &= 0x7f
			key, err := NewPrivateKey(c, d)
			require.NoError(t, err)
			pub := key.PublicKey()
			digest := make([]byte, c.Size())
			_, _ = rand.Read(digest)

			sig, err := key.Sign(rand.Reader, digest, nil)
			require.NoError(t, err)
			require.Len(t, sig, 2*c.Size())
			require.NoError(t, Verify(pub, digest, sig))

			rfc, err := key.Sign(rand.Reader, digest, SignerOpts{Layout: LayoutRFC})
			require.NoError(t, err)
			require.NoError(t, VerifyLayout(pub, digest, rfc, LayoutRFC))
			assert.ErrorIs(t, Verify(pub, digest, rfc), ErrVerification)

			// Deterministic k: the same key and digest give the same signature.
			a, err := key.Sign(nil, digest, nil)
			require.NoError(t, err)
			b, err := key.Sign(nil, digest, nil)
			require.NoError(t, err)
			assert.Equal(t, a, b)
			require.NoError(t, Verify(pub, digest, a))

			// Any changed bit fails.
			bad := bytes.Clone(sig)
			bad[3] ^= 1
			assert.ErrorIs(t, Verify(pub, digest, bad), ErrVerification)
			digest[0] ^= 1
			assert.ErrorIs(t, Verify(pub, digest, sig), ErrVerification)
		})
	}
}

func TestInvalidInputs(t *testing.T) {
	c := CurveTC26512A
	key, err := NewPrivateKey(c, []byte{1, 2, 3})
	require.NoError(t, err)
	pub := key.PublicKey()
	digest := make([]byte, 64)
	q := c.Params().Q

	_, err = NewPrivateKey(c, nil)
	assert.ErrorIs(t, err, ErrInvalidKey, "zero scalar")
	_, err = NewPrivateKey(c, fixed(q, 64))
	assert.ErrorIs(t, err, ErrInvalidKey, "d = q")
	_, err = NewPrivateKey(c, make([]byte, 65))
	assert.ErrorIs(t, err, ErrInvalidKey, "zero scalar with padding")
	_, err = NewPrivateKey(CurveUnknown, []byte{1})
	assert.ErrorIs(t, err, ErrInvalidKey)

	_, err = key.Sign(rand.Reader, make([]byte, 32), nil)
	assert.ErrorContains(t, err, "digest is 32 bytes")
	_, err = key.Sign(&fixedReader{}, digest, nil)
	assert.ErrorContains(t, err, "reading k")

	zero := make([]byte, 128)
	qLE := reversed(fixed(q, 64))
	for name, sig := range map[string][]byte{
		"short":  make([]byte, 127),
		"zero":   zero,
		"r = q":  append(bytes.Clone(qLE), append([]byte{1}, make([]byte, 63)...)...),
		"s = q":  append(append([]byte{1}, make([]byte, 63)...), qLE...),
		"random": bytes.Repeat([]byte{0xa5}, 128),
	} {
		assert.Error(t, Verify(pub, digest, sig), name)
	}
	off := &PublicKey{Curve: c, X: pub.X, Y: bytes.Clone(pub.Y)}
	off.Y[10] ^= 1
	assert.ErrorIs(t, Verify(off, digest, zero), ErrInvalidKey)
	_, err = ParsePublicKey(c, append(reversed(off.X), reversed(off.Y)...))
	assert.ErrorIs(t, err, ErrInvalidKey)
	_, err = ParsePublicKey(c, pub.Bytes()[:100])
	assert.ErrorIs(t, err, ErrInvalidKey)
	back, err := ParsePublicKey(c, pub.Bytes())
	require.NoError(t, err)
	assert.True(t, back.Equal(pub))
	assert.Error(t, Verify(nil, digest, zero))
}
