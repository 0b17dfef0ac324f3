package mockserver

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A mail body is text: markup in it is escaped, and only the http(s)
// links to the host the page was asked of are anchors.
func TestUIMessageEscapes(t *testing.T) {
	s, err := New(Options{BcryptCost: 4, Now: func() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) }})
	require.NoError(t, err)
	const host = "mock.localhost:8080"
	body := "Уважаемый <b>пользователь</b> <img src=x onerror=alert(1)>\n" +
		"Ссылка: http://mock.localhost:8080/esf-web/self-registration-request/abc123.\n" +
		"Чужая: http://evil.example/esf-web/self-registration-request/abc123\n" +
		"Скрипт: javascript:alert(3) and JAVASCRIPT://mock.localhost:8080/%0aalert(4)\n" +
		`Кавычки: http://mock.localhost:8080/x"onmouseover="alert(5)` + "\n" +
		"С паролем: http://user:pw@mock.localhost:8080/y\n"
	require.NoError(t, s.update(context.Background(), func(r *request) error {
		return s.send(r, Mail{To: "a@example.kz", Subject: "<i>subject</i>", Body: body})
	}))
	req := httptest.NewRequest(http.MethodGet, "/_mock/ui/mail/1", nil)
	req.Host = host
	req.RemoteAddr = "127.0.0.1:1"
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	page := rec.Body.String()
	for _, bad := range []string{"<b>", "<img", "<i>", `href="javascript`, `href="JAVASCRIPT`, "evil.example/esf-web/self-registration-request/abc123\"", `"onmouseover`} {
		assert.NotContains(t, page, bad)
	}
	assert.Contains(t, page, "&lt;img src=x onerror=alert(1)&gt;")
	anchors := regexp.MustCompile(`<a class="mail-link" href="([^"]*)">`).FindAllStringSubmatch(page, -1)
	require.Len(t, anchors, 2, "the link to the mock, and the one with the quote (escaped)")
	assert.Equal(t, "http://mock.localhost:8080/esf-web/self-registration-request/abc123", anchors[0][1], "the full stop is not part of it")
	assert.Equal(t, "http://mock.localhost:8080/x", anchors[1][1], "a link ends at a quote")
	assert.Contains(t, page, `http://mock.localhost:8080/x</a>&#34;onmouseover=&#34;alert(5)`)
	assert.Contains(t, page, "http://evil.example/esf-web/self-registration-request/abc123\n", "a link elsewhere stays text")
	assert.Contains(t, page, "2 link(s) to a host other than this page's are shown as text")
}

func TestUILinkParts(t *testing.T) {
	const host = "127.0.0.1:8080"
	tests := []struct {
		name, body string
		links      []string
	}{
		{"none", "no link here", nil},
		{"one", "go http://127.0.0.1:8080/a/b here", []string{"http://127.0.0.1:8080/a/b"}},
		{"https", "https://127.0.0.1:8080/a", []string{"https://127.0.0.1:8080/a"}},
		{"host case", "http://127.0.0.1:8080/a and HTTP://127.0.0.1:8080/b", []string{"http://127.0.0.1:8080/a", "HTTP://127.0.0.1:8080/b"}},
		{"punctuation", "(http://127.0.0.1:8080/a), http://127.0.0.1:8080/b.", []string{"http://127.0.0.1:8080/a", "http://127.0.0.1:8080/b"}},
		{"another port", "http://127.0.0.1:8081/a", nil},
		{"another host", "http://localhost:8080/a", nil},
		{"user info", "http://x@127.0.0.1:8080/a", nil},
		{"not http", "ftp://127.0.0.1:8080/a file:///etc/passwd", nil},
		{"bare", "http:// and http://", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := uiLinkParts(tt.body, host)
			var text strings.Builder
			var links []string
			for _, p := range parts {
				text.WriteString(p.Text)
				if p.Href != "" {
					assert.Equal(t, p.Text, p.Href)
					links = append(links, p.Href)
				}
			}
			assert.Equal(t, tt.body, text.String(), "nothing of the body is lost")
			assert.Equal(t, tt.links, links)
		})
	}
}

func FuzzUILinkParts(f *testing.F) {
	f.Add("Ссылка: http://127.0.0.1:8080/esf-web/self-registration-request/abc.", "127.0.0.1:8080")
	f.Add("http://a@b/ http://b/x\"y https://b:1/(z)", "b")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, body, host string) {
		var text strings.Builder
		for _, p := range uiLinkParts(body, host) {
			text.WriteString(p.Text)
			if p.Href == "" {
				continue
			}
			if p.Href != p.Text {
				t.Fatalf("href %q shown as %q", p.Href, p.Text)
			}
			if _, ok := uiSelfLink(p.Href, host); !ok {
				t.Fatalf("%q is not a link to %q", p.Href, host)
			}
		}
		if text.String() != body {
			t.Fatalf("body %q came back as %q", body, text.String())
		}
	})
}

// Only a session cookie the key made for the token, within its time, is
// good.
func TestCheckUISession(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	good := uiSessionValue(key, "tok", at)
	tests := []struct {
		name, key, token, value string
		now                     time.Time
		want                    bool
	}{
		{"good", string(key), "tok", good, at, true},
		{"good, later", string(key), "tok", good, at.Add(UISessionTTL - time.Second), true},
		{"expired", string(key), "tok", good, at.Add(UISessionTTL), false},
		{"from the future", string(key), "tok", good, at.Add(-time.Hour), false},
		{"another token", string(key), "tok2", good, at, false},
		{"another key", "another key, 32 bytes long......", "tok", good, at, false},
		{"time changed", string(key), "tok", strings.Replace(good, "17", "18", 1), at, false},
		{"leading zero", string(key), "tok", "0" + good, at, false},
		{"no dot", string(key), "tok", strings.ReplaceAll(good, ".", ""), at, false},
		{"empty", string(key), "tok", "", at, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, checkUISession([]byte(tt.key), tt.token, tt.value, tt.now))
		})
	}
}

func FuzzCheckUISession(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	f.Add(uiSessionValue(key, "tok", at))
	f.Add("1780304400.AAAA")
	f.Add("-1.")
	f.Fuzz(func(t *testing.T, value string) {
		if !checkUISession(key, "tok", value, at) {
			return
		}
		// Accepted: the MAC the key makes for its issue time, in the window.
		issued, mac, _ := strings.Cut(value, ".")
		n, err := strconv.ParseInt(issued, 10, 64)
		if err != nil {
			t.Fatalf("%q accepted with issue time %q", value, issued)
		}
		_, want, _ := strings.Cut(uiSessionValue(key, "tok", time.Unix(n, 0)), ".")
		got, err1 := base64.RawURLEncoding.DecodeString(mac)
		exp, err2 := base64.RawURLEncoding.DecodeString(want)
		if err1 != nil || err2 != nil || !bytes.Equal(got, exp) || at.Sub(time.Unix(n, 0)) >= UISessionTTL {
			t.Fatalf("%q accepted", value)
		}
	})
}

func TestUINext(t *testing.T) {
	for next, want := range map[string]string{
		"/_mock/ui/mail":           "/_mock/ui/mail",
		"/_mock/ui/mail?to=a%40b":  "/_mock/ui/mail?to=a%40b",
		"//evil.example/_mock/ui":  "/_mock/ui/",
		"http://evil/_mock/ui/":    "/_mock/ui/",
		"/_mock/ui/../../x":        "/_mock/ui/",
		"/_mock/uix":               "/_mock/ui/",
		"/_mock/ui/\r\nSet-Cookie": "/_mock/ui/",
		"":                         "/_mock/ui/",
	} {
		assert.Equal(t, want, uiNext(next), "%q", next)
	}
}
