package soap

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// envelope wraps body (and header blocks, when given) in a SOAP 1.1
// envelope declaring the prefixes the tests use.
func envelope(header, body string) string {
	h := ""
	if header != "" {
		h = "<soapenv:Header>" + header + "</soapenv:Header>"
	}
	return `<soapenv:Envelope xmlns:soapenv="` + EnvelopeNS + `" xmlns:esf="esf">` + h +
		"<soapenv:Body>" + body + "</soapenv:Body></soapenv:Envelope>"
}

// sdkSecurity is the UsernameToken header of the SDK's SoapUI samples.
const sdkSecurity = `<wsse:Security soapenv:mustUnderstand="1" xmlns:wsse="` + WSSENS + `" xmlns:wsu="` + WSUNS + `">` +
	`<wsse:UsernameToken wsu:Id="UsernameToken-1"><wsse:Username>123456789011</wsse:Username>` +
	`<wsse:Password Type="` + PasswordText + `">TestPass123</wsse:Password>` +
	`<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">bm9uY2U=</wsse:Nonce>` +
	`<wsu:Created>2018-12-03T10:00:00.000Z</wsu:Created></wsse:UsernameToken></wsse:Security>`

func TestReadRequest(t *testing.T) {
	t.Run("SDK sample with UsernameToken", func(t *testing.T) {
		req, err := ReadRequest(strings.NewReader(envelope(sdkSecurity,
			`<esf:createSessionSignedRequest><tin>123456789021</tin><projectCode/>`+
				`<businessProfileType xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>`+
				`<signedAuthTicket>&lt;authSign&gt;&#xD;&#10;<![CDATA[<x>&amp;]]></signedAuthTicket>`+
				`<!-- comment --><esf:sourceType>OTHER</esf:sourceType></esf:createSessionSignedRequest>`)), 0)
		require.NoError(t, err)
		assert.Equal(t, xml.Name{Space: "esf", Local: "createSessionSignedRequest"}, req.Operation)
		assert.Equal(t, &UsernameToken{
			Username: "123456789011", Password: "TestPass123", PasswordType: PasswordText,
			Nonce: "bm9uY2U=", Created: "2018-12-03T10:00:00.000Z",
		}, req.Security)
		require.Len(t, req.Header, 1)
		assert.Equal(t, "Security", req.Header[0].Name.Local)

		tin, ok := req.Field("tin")
		assert.True(t, ok)
		assert.Equal(t, "123456789021", tin)
		code, ok := req.Field("projectCode")
		assert.True(t, ok, "an empty element is present")
		assert.Empty(t, code)
		_, ok = req.Field("businessProfileType")
		assert.False(t, ok, "xsi:nil is absent")
		ticket, _ := req.Field("signedAuthTicket")
		assert.Equal(t, "<authSign>\r\n<x>&amp;", ticket, "entities, character references and CDATA resolved")
		_, ok = req.Field("sourceType")
		assert.False(t, ok, "a qualified child is not a field of the unqualified schema")
		require.Len(t, req.Fields(), 5)
		assert.Equal(t, xml.Name{Space: "esf", Local: "sourceType"}, req.Fields()[4].Name)
		assert.Nil(t, req.Body.Child("missing"))
	})

	t.Run("empty operation, XML declaration, BOM, no header", func(t *testing.T) {
		req, err := ReadRequest(strings.NewReader("\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"+
			envelope("", `<esf:esfVersionRequest/>`)+"\n<!-- trailing comment -->\n"), 0)
		require.NoError(t, err)
		assert.Equal(t, "esfVersionRequest", req.Operation.Local)
		assert.Nil(t, req.Security)
		assert.Empty(t, req.Header)
		assert.Empty(t, req.Fields())
	})

	t.Run("Security header without UsernameToken", func(t *testing.T) {
		req, err := ReadRequest(strings.NewReader(envelope(
			`<wsse:Security xmlns:wsse="`+WSSENS+`"><wsu:Timestamp xmlns:wsu="`+WSUNS+`"/></wsse:Security>`,
			`<esf:closeSessionRequest><sessionId>s</sessionId></esf:closeSessionRequest>`)), 0)
		require.NoError(t, err)
		assert.Nil(t, req.Security)
		assert.Len(t, req.Header, 1)
	})

	t.Run("text split by comments", func(t *testing.T) {
		req, err := ReadRequest(strings.NewReader(envelope("", `<esf:x><a>x<!-- c -->y<![CDATA[z]]></a></esf:x>`)), 0)
		require.NoError(t, err)
		v, _ := req.Field("a")
		assert.Equal(t, "xyz", v)
	})

	t.Run("size limit is inclusive", func(t *testing.T) {
		doc := envelope("", `<esf:esfVersionRequest/>`)
		_, err := ReadRequest(strings.NewReader(doc), int64(len(doc)))
		require.NoError(t, err)
		_, err = ReadRequest(strings.NewReader(doc), int64(len(doc)-1))
		require.ErrorIs(t, err, ErrTooLarge)
	})

	t.Run("read error", func(t *testing.T) {
		_, err := ReadRequest(iotest.ErrReader(errors.New("boom")), 0)
		require.ErrorIs(t, err, ErrMalformed)
	})
}

func TestReadRequestRefuses(t *testing.T) {
	op := `<esf:esfVersionRequest/>`
	tests := []struct {
		name string
		doc  string
		want error
	}{
		{"DOCTYPE", `<!DOCTYPE x>` + envelope("", op), ErrForbidden},
		{"entity declaration", `<!DOCTYPE x [<!ENTITY e "boom">]>` + envelope("", op), ErrForbidden},
		{"processing instruction", envelope("", `<?php evil?>`+op), ErrForbidden},
		{"PI before the envelope", `<?xml-stylesheet href="a"?>` + envelope("", op), ErrForbidden},
		{"XML declaration not first", `<!-- c --><?xml version="1.0"?>` + envelope("", op), ErrMalformed},
		{"undeclared entity", envelope("", `<esf:x><a>&e;</a></esf:x>`), ErrMalformed},
		{"not XML", "hello", ErrMalformed},
		{"empty", "", ErrMalformed},
		{"truncated", envelope("", op)[:60], ErrMalformed},
		{"not an envelope", `<esf:esfVersionRequest xmlns:esf="esf"/>`, ErrMalformed},
		{"SOAP 1.2", `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>` + `<x/></e:Body></e:Envelope>`, ErrMalformed},
		{"no body", `<s:Envelope xmlns:s="` + EnvelopeNS + `"><s:Header/></s:Envelope>`, ErrMalformed},
		{"empty body", envelope("", ""), ErrMalformed},
		{"two operations", envelope("", op+op), ErrMalformed},
		{"text in the body", envelope("", op+"text"), ErrMalformed},
		{"text in the envelope", `<s:Envelope xmlns:s="` + EnvelopeNS + `">x<s:Body>` + op + `</s:Body></s:Envelope>`, ErrMalformed},
		{"two bodies", `<s:Envelope xmlns:s="` + EnvelopeNS + `" xmlns:esf="esf"><s:Body>` + op + `</s:Body><s:Body>` + op + `</s:Body></s:Envelope>`, ErrMalformed},
		{"header after body", `<s:Envelope xmlns:s="` + EnvelopeNS + `" xmlns:esf="esf"><s:Body>` + op + `</s:Body><s:Header/></s:Envelope>`, ErrMalformed},
		{"stray element in envelope", `<s:Envelope xmlns:s="` + EnvelopeNS + `" xmlns:esf="esf"><x/><s:Body>` + op + `</s:Body></s:Envelope>`, ErrMalformed},
		{"text in the header", envelope("text", op), ErrMalformed},
		{"two Security headers", envelope(`<wsse:Security xmlns:wsse="`+WSSENS+`"/><wsse:Security xmlns:wsse="`+WSSENS+`"/>`, op), ErrMalformed},
		{"second document element", envelope("", op) + "<x/>", ErrMalformed},
		{"text after the envelope", envelope("", op) + "x", ErrMalformed},
		{"unsupported encoding", `<?xml version="1.0" encoding="ISO-8859-1"?>` + envelope("", op), ErrMalformed},
		{"invalid UTF-8", envelope("", "<esf:x><a>\xff</a></esf:x>"), ErrMalformed},
		{"too deep", envelope("", strings.Repeat("<a>", 100)+strings.Repeat("</a>", 100)), ErrMalformed},
		{"mismatched tags", envelope("", "<a></b>"), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := ReadRequest(strings.NewReader(tt.doc), 0)
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, req)
			assert.True(t, strings.HasPrefix(err.Error(), "soap: "), err.Error())
		})
	}
	t.Run("too large", func(t *testing.T) {
		_, err := ReadRequest(strings.NewReader(envelope("", "<esf:x>"+strings.Repeat("a", DefaultMaxBytes)+"</esf:x>")), 0)
		require.ErrorIs(t, err, ErrTooLarge)
	})
}
