package soap

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/esfkit/esf/internal/testref"
)

// FuzzReadRequest feeds ReadRequest arbitrary input: it must never panic,
// every error must wrap exactly one of the package's sentinels, and a
// request it accepts must have an operation. Seeds: the requests node-soap
// sent to the fake ESF (testdata/fuzz/FuzzReadRequest/nodesoap-*, written
// by go test ./mockserver -run TestNodeSoapClient -update-seeds) and the
// ones below.
func FuzzReadRequest(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	op := `<esf:createSessionSignedRequest><tin>123456789021</tin><projectCode>1</projectCode>` +
		`<businessProfileType>ADMIN_ENTERPRISE</businessProfileType>` +
		`<signedAuthTicket>&lt;authSign/&gt;</signedAuthTicket><sourceType>OTHER</sourceType></esf:createSessionSignedRequest>`
	for _, seed := range []string{
		envelope(sdkSecurity, op),
		envelope("", `<esf:esfVersionRequest/>`),
		`<?xml version="1.0" encoding="UTF-8"?>` + envelope("", `<esf:currentUserRequest><sessionId>s</sessionId></esf:currentUserRequest>`),
		envelope(`<wsse:Security xmlns:wsse="`+WSSENS+`"><wsse:UsernameToken><wsse:Username>1</wsse:Username></wsse:UsernameToken></wsse:Security>`, op),
		envelope("", `<esf:x><a xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/><![CDATA[<]]></esf:x>`),
		`<!DOCTYPE x [<!ENTITY e "e">]>` + envelope("", op),
		envelope("", `<?pi?>`+op),
		envelope("", op+op),
		"\xef\xbb\xbf" + envelope("", op),
		"<a/>",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := ReadRequest(bytes.NewReader(data), 64<<10)
		if err != nil {
			n := 0
			for _, sentinel := range []error{ErrMalformed, ErrTooLarge, ErrForbidden} {
				if errors.Is(err, sentinel) {
					n++
				}
			}
			if n != 1 || !strings.HasPrefix(err.Error(), "soap: ") {
				t.Fatalf("error %q wraps %d sentinels", err, n)
			}
			if req != nil {
				t.Fatal("a request with an error")
			}
			return
		}
		if req.Operation.Local == "" || req.Body.Name != req.Operation {
			t.Fatalf("accepted a request without an operation: %+v", req.Operation)
		}
		for _, c := range req.Fields() {
			if c.Name.Space == "" {
				if _, ok := req.Field(c.Name.Local); !ok && !req.Body.Child(c.Name.Local).IsNil() {
					t.Fatalf("field %s listed but not found", c.Name.Local)
				}
			}
		}
	})
}

// FuzzWriteText checks that any text, written as a field, comes back from
// ReadRequest unchanged but for characters XML cannot carry.
func FuzzWriteText(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	for _, s := range []string{"", "plain", "<&>\"'", "\r\n\t", "]]>", "\x00\x1b\xff", "ТЕСТ Ω \U0001F600", "\uFFFE"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rec := httptest.NewRecorder()
		WriteResponse(rec, "echo", Text("text", s), Group("nested", Optional("opt", s)))
		req, err := ReadRequest(rec.Body, 0)
		if err != nil {
			t.Fatalf("our own response does not read back: %v\n%q", err, rec.Body.String())
		}
		got, ok := req.Field("text")
		if !ok {
			t.Fatal("field lost")
		}
		if want := xmlSafe(s); got != want {
			t.Fatalf("text %q came back as %q, want %q", s, got, want)
		}
	})
}

// xmlSafe is s with what escapeText replaces replaced.
func xmlSafe(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || !isXMLChar(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
		i += size
	}
	return b.String()
}
