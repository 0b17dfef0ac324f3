package xmlsig

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// mapDecodeBase64 is decodeBase64 as it was, through strings.Map and
// DecodeString: the reference the byte loop is held to.
func mapDecodeBase64(s string) ([]byte, error) {
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
	if clean == "" {
		return nil, errEmpty
	}
	return base64.StdEncoding.DecodeString(clean)
}

var base64Cases = []string{
	"", " \r\n\t", "QUJD", "QU JD\r\n", "QUJ\nD", "QUJD\n", "QQ==", "QQ=", "Q", "QUJD&", "QU\x00JD",
	"QUJDRA==\r\nRUZH", "Q\tU\tJ\tD", "Тест", "QUJD\xff", "QUJD\u00a0",
}

func TestDecodeBase64(t *testing.T) {
	for _, s := range base64Cases {
		requireSameBase64(t, s)
	}
}

func FuzzDecodeBase64(f *testing.F) {
	for _, s := range base64Cases {
		f.Add(s)
	}
	f.Fuzz(requireSameBase64)
}

func requireSameBase64(t *testing.T, s string) {
	want, wantErr := mapDecodeBase64(s)
	got, err := decodeBase64(s)
	if wantErr != nil {
		require.Error(t, err, "%q", s)
		if utf8.ValidString(s) {
			require.Equal(t, wantErr.Error(), err.Error(), "%q", s)
		}
		return
	}
	require.NoError(t, err, "%q", s)
	require.Equal(t, want, got, "%q", s)
}
