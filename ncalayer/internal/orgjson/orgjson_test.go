package orgjson

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The key orders recorded from the real NCALayer (docs/ncalayer.md §1.5,
// §5) and its neighbours, each given here in another order.
func TestOrderMatchesRecordings(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		want string
	}{
		{"commonUtils success", []string{"code", "responseObject"}, `{"responseObject":"1","code":"1"}`},
		{"commonUtils failure", []string{"message", "code"}, `{"code":"1","message":"1"}`},
		{"commonUtils all", []string{"uuid", "message", "code", "responseObject"}, `{"responseObject":"1","code":"1","message":"1","uuid":"1"}`},
		{"basics success", []string{"status", "body"}, `{"body":"1","status":"1"}`},
		{"basics failure", []string{"status", "message", "details", "code"}, `{"code":"1","details":"1","message":"1","status":"1"}`},
		// keyId and alias share a bucket: their order is the order they
		// were put in, which the recording shows as keyId first.
		{"getKeyInfo", []string{"keyId", "alias", "algorithm", "subjectCn", "subjectDn", "issuerCn", "issuerDn", "serialNumber", "certNotAfter", "certNotBefore", "authorityKeyIdentifier", "pem"},
			`{"certNotBefore":"1","issuerCn":"1","authorityKeyIdentifier":"1","serialNumber":"1","certNotAfter":"1","issuerDn":"1","keyId":"1","alias":"1","pem":"1","subjectCn":"1","algorithm":"1","subjectDn":"1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o Object
			for _, k := range tt.keys {
				o = append(o, Member{k, "1"})
			}
			require.Equal(t, tt.want, string(Marshal(o)))
		})
	}
}

func TestMarshal(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"slash after <", "</a> a/b <\\/", `"<\/a> a/b <\\/"`},
		{"controls", "a\r\nb\t\b\f\x01", `"a\r\nb\t\b\f\u0001"`},
		{"unicode ranges", "\u0085 \u2028 \u20ac ТЕСТ 𝄞", `"\u0085 \u2028 \u20ac ТЕСТ 𝄞"`},
		{"quotes", `"\`, `"\"\\"`},
		{"nil members left out", Object{{"code", "500"}, {"message", nil}}, `{"code":"500"}`},
		{"empty object", Object{}, `{}`},
		{"arrays", []any{"a", true, Object{{"x", []string{"b"}}}, nil, Raw("1.5"), 7}, `["a",true,{"x":["b"]},null,1.5,7]`},
		{"unknown type", struct{}{}, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, string(Marshal(tt.v)))
		})
	}
}

func TestJavaHash(t *testing.T) {
	// Values from Java's "…".hashCode().
	require.Equal(t, uint32(0), JavaHash(""))
	require.Equal(t, uint32(3059181), JavaHash("code"))
	require.Equal(t, uint32(99162322), JavaHash("hello"))
	// Over UTF-16 code units: the surrogate pair of U+1D11E counts twice.
	require.Equal(t, int32(-756767882), int32(JavaHash("ТЕСТ 𝄞")))
}

func TestResizeKeepsBuckets(t *testing.T) {
	// 13 members make the map grow to 32 buckets: the order is by the
	// bucket in 32, which a 16-bucket order would get wrong for some key.
	var o Object
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "q"} {
		o = append(o, Member{k, 1})
	}
	idx := Order(o)
	var prev uint32
	for _, i := range idx {
		h := JavaHash(o[i].Key)
		b := (h ^ h>>16) & 31
		require.GreaterOrEqual(t, b, prev)
		prev = b
	}
}
