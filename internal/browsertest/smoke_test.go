package browsertest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
)

// TestBrowserStarts proves the harness: chromium starts, loads a page,
// runs its script and is read back.
func TestBrowserStarts(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<!doctype html><title>t</title><p id="out">before</p><script>document.getElementById("out").textContent = "after"</script>`)
	}))
	defer srv.Close()
	b := newBrowser(t)
	b.do("load", chromedp.Navigate(srv.URL))
	text := get(b, "read", chromedp.Text(chromedp.CSS("#out")))
	assert.Equal(t, "after", text)
	assert.NotEmpty(t, b.shot("smoke"))
}
