package soap

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteResponse(t *testing.T) {
	t.Run("CXF shape", func(t *testing.T) {
		rec := httptest.NewRecorder()
		WriteResponse(rec, "createSession", Text("sessionId", "abc-123456789021-"))
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, "text/xml; charset=utf-8", rec.Header().Get("Content-Type"))
		assert.Equal(t, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>`+
			`<ns2:createSessionResponse xmlns:ns2="esf"><sessionId>abc-123456789021-</sessionId></ns2:createSessionResponse>`+
			`</soap:Body></soap:Envelope>`, rec.Body.String())
		assert.Equal(t, rec.Header().Get("Content-Length"), strconv.Itoa(rec.Body.Len()))
	})

	t.Run("nesting, repetition, omission", func(t *testing.T) {
		rec := httptest.NewRecorder()
		WriteResponse(rec, "currentUserProfiles", Group("profileInfoList",
			Group("profileInfo", Text("iin", "1"), Optional("projectName", "")),
			Group("profileInfo", Text("iin", "2"), Optional("projectName", "P")),
			Group("empty", Optional("a", ""), Optional("b", "")),
			Field{Name: "gone", OmitEmpty: true, Children: []Field{Optional("a", "")}},
		))
		assert.Equal(t, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>`+
			`<ns2:currentUserProfilesResponse xmlns:ns2="esf"><profileInfoList>`+
			`<profileInfo><iin>1</iin></profileInfo><profileInfo><iin>2</iin><projectName>P</projectName></profileInfo>`+
			`<empty/></profileInfoList></ns2:currentUserProfilesResponse></soap:Body></soap:Envelope>`, rec.Body.String())
	})

	t.Run("empty response and required empty field", func(t *testing.T) {
		rec := httptest.NewRecorder()
		WriteResponse(rec, "x", Text("reason", ""))
		assert.Contains(t, rec.Body.String(), `<ns2:xResponse xmlns:ns2="esf"><reason/></ns2:xResponse>`)
		rec = httptest.NewRecorder()
		WriteResponse(rec, "x")
		assert.Contains(t, rec.Body.String(), `<ns2:xResponse xmlns:ns2="esf"/>`)
	})

	t.Run("simple body element", func(t *testing.T) {
		rec := httptest.NewRecorder()
		WriteBody(rec, Text("version", "InvoiceV2"))
		assert.Contains(t, rec.Body.String(), `<soap:Body><ns2:version xmlns:ns2="esf">InvoiceV2</ns2:version></soap:Body>`)
	})

	t.Run("invalid name becomes a fault", func(t *testing.T) {
		for _, name := range []string{"", "a b", "1a", "a:b", "<x>", "ж"} {
			rec := httptest.NewRecorder()
			WriteResponse(rec, "ok", Text(name, "v"))
			assert.Equal(t, http.StatusInternalServerError, rec.Code, name)
			assert.Contains(t, rec.Body.String(), "<faultcode>soap:Server</faultcode><faultstring>soap: invalid element name", name)
			assertWellFormed(t, rec.Body.Bytes())
		}
	})
}

func TestEscaping(t *testing.T) {
	in := "<?xml version=\"1.0\"?>\r\n<a b='c'>&amp; ]]> Ω\tТЕСТ</a>\x00\x1b\xff\U0001F600"
	want := "<?xml version=\"1.0\"?>\r\n<a b='c'>&amp; ]]> Ω\tТЕСТ</a>\uFFFD\uFFFD\uFFFD\U0001F600"
	out, err := Marshal(Group("r", Text("t", in)))
	require.NoError(t, err)
	assert.Contains(t, string(out), "&lt;?xml version=\"1.0\"?&gt;&#xD;\n&lt;a b='c'&gt;&amp;amp; ]]&gt;")
	assert.Equal(t, want, decodeText(t, out, "t"))
}

func TestWriteFault(t *testing.T) {
	tests := []struct {
		name  string
		write func(http.ResponseWriter)
		want  string
	}{
		{
			"business", func(w http.ResponseWriter) {
				WriteFault(w, "ENTERPRISE_NOT_FOUND_FOR_USER", &FaultDetail{Kind: Business, Description: "нет профиля & <tin>"})
			},
			`<soap:Fault><faultcode>soap:Server</faultcode><faultstring>ENTERPRISE_NOT_FOUND_FOR_USER</faultstring>` +
				`<detail><ns2:businessException xmlns:ns2="esf"><description>нет профиля &amp; &lt;tin&gt;</description></ns2:businessException></detail></soap:Fault>`,
		},
		{
			"access denied", func(w http.ResponseWriter) {
				WriteFault(w, "ACCESS_DENIED", &FaultDetail{Kind: AccessDenied})
			},
			`<soap:Fault><faultcode>soap:Server</faultcode><faultstring>ACCESS_DENIED</faultstring>` +
				`<detail><ns2:accessDeniedException xmlns:ns2="esf"><description/></ns2:accessDeniedException></detail></soap:Fault>`,
		},
		{
			"session closed", func(w http.ResponseWriter) {
				WriteFault(w, "SESSION_CLOSED", &FaultDetail{Kind: SessionClosed, Description: "closed"})
			},
			`<detail><ns2:sessionClosedException xmlns:ns2="esf"><description>closed</description></ns2:sessionClosedException></detail>`,
		},
		{
			"kind defaults to business", func(w http.ResponseWriter) {
				WriteFault(w, "X", &FaultDetail{Kind: "not a name!", Description: "d"})
			},
			`<detail><ns2:businessException xmlns:ns2="esf"><description>d</description></ns2:businessException></detail>`,
		},
		{
			"no detail", func(w http.ResponseWriter) { WriteFault(w, "Fault occurred while processing.", nil) },
			`<soap:Fault><faultcode>soap:Server</faultcode><faultstring>Fault occurred while processing.</faultstring></soap:Fault>`,
		},
		{
			"client", func(w http.ResponseWriter) { WriteClientFault(w, "soap: malformed request: <x>") },
			`<soap:Fault><faultcode>soap:Client</faultcode><faultstring>soap: malformed request: &lt;x&gt;</faultstring></soap:Fault>`,
		},
		{
			"security", WriteSecurityFault,
			`<soap:Fault><faultcode xmlns:ns1="http://ws.apache.org/wss4j">ns1:SecurityError</faultcode>` +
				`<faultstring>A security error was encountered when verifying the message</faultstring></soap:Fault>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			tt.write(rec)
			assert.Equal(t, http.StatusInternalServerError, rec.Code)
			assert.Equal(t, ContentType, rec.Header().Get("Content-Type"))
			body := rec.Body.String()
			assert.True(t, strings.HasPrefix(body, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>`), body)
			assert.Contains(t, body, tt.want)
			assertWellFormed(t, rec.Body.Bytes())
		})
	}
}

// assertWellFormed checks that doc is one well-formed XML element.
func assertWellFormed(t *testing.T, doc []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if !assert.NoError(t, err, "%s", doc) {
			return
		}
	}
}

// decodeText returns the text of the first element named local in doc.
func decodeText(t *testing.T, doc []byte, local string) string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		require.NoError(t, err, "%s", doc)
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == local {
			var s string
			require.NoError(t, d.DecodeElement(&s, &se))
			return s
		}
	}
}
