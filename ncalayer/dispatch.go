package ncalayer

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/esfkit/esf/ncalayer/internal/orgjson"
)

// Module names (docs/ncalayer.md §2).
const (
	ModuleCommonUtils = "kz.gov.pki.knca.commonUtils"
	ModuleBasics      = "kz.gov.pki.knca.basics"
)

// moduleNotFound is the reply to a module NCALayer does not have.
var moduleNotFound = []byte(`{"success":false,"errorCode":"MODULE_NOT_FOUND"}`)

// dispatch routes one JSON request to its module and returns the reply.
func (s *Server) dispatch(c *conn, data []byte) []byte {
	req, ok := parseRequest(data)
	if !ok {
		// Not a JSON object: no module can be named (docs: unknown; see
		// the package documentation).
		return moduleNotFound
	}
	module, _ := req["module"].(string)
	switch module {
	case ModuleCommonUtils:
		return s.commonUtils(c, req)
	case ModuleBasics:
		return s.basics(c, req)
	}
	// Unknown modules, the KAZTOKEN probe (kz.digiflow.mobile.extensions,
	// which must not get code 200), the accessory module and the legacy
	// applet (no module), switched off in 2024.
	return moduleNotFound
}

// parseRequest reads a frame as one JSON object, numbers kept as written.
func parseRequest(data []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var req map[string]any
	if err := dec.Decode(&req); err != nil || req == nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return req, true
}

func quote(s string) []byte { return orgjson.Quote(nil, s) }

// javaString renders a JSON value as org.json's optString does: a string
// as it is, null and absence as "", other values as their JSON text.
func javaString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
