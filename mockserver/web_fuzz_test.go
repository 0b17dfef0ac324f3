package mockserver_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/esfkit/esf/internal/testref"
	"github.com/esfkit/esf/mockserver"
)

// FuzzWebPages requests the portal's pages with arbitrary Accept headers,
// languages, session cookies, query values and link tokens: a page or a
// redirect (or a 4xx), never a panic or a 500, and nothing of the input
// comes out unescaped.
func FuzzWebPages(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	s := fuzzServer(f)
	paths := []string{mockserver.PortalPath, mockserver.LoginPagePath, mockserver.RegistrationPagePath, mockserver.AccountPagePath,
		mockserver.ChangeEmailPagePath, mockserver.ResetPasswordPagePath, "/esf-web/self-registration-request/", mockserver.ResetLinkPath}
	for i := range paths {
		f.Add(uint8(i), "text/html,*/*;q=0.8", "kk", "", `<script>x</script>`)
	}
	f.Add(uint8(6), "application/json;q=0.9, text/html;q=0.91", "ru", "AAAA", `0123456789abcdef0123456789abcdef01234567`)
	f.Add(uint8(7), "text/html;q=abc, */*", "", "\x00", `"'&<>`)
	f.Fuzz(func(t *testing.T, which uint8, accept, lang, cookie, value string) {
		// A marker no page holds: the input echoed raw would carry it.
		value = "zqzq" + value
		path := paths[int(which)%len(paths)]
		if strings.HasSuffix(path, "/") && path != mockserver.PortalPath {
			path += url.PathEscape(value)
		}
		req := httptest.NewRequest(http.MethodGet, path+"?lang="+url.QueryEscape(lang)+"&login="+url.QueryEscape(value), nil)
		req.Header.Set("Accept", accept)
		req.Header.Set("Cookie", mockserver.WebSessionCookie+"="+cookie+"; "+mockserver.LangCookie+"="+lang)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
		}
		body := rec.Body.String()
		if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") && strings.ContainsAny(value, `<>"`) && strings.Contains(body, value) {
			t.Fatalf("%s: the input %q comes out unescaped", path, value)
		}
	})
}
