package ncalayer

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/cms"
	"github.com/esfkit/esf/ncalayer/internal/orgjson"
)

// basicsClass is the Java class name the apiVersion-2 dispatcher names in
// its errors; NCALayer's own is not public (see the package doc).
const basicsClass = "Basics"

// Failure codes and messages of the apiVersion-2 envelope
// (docs/ncalayer.md §2.2).
const (
	failGeneral    = "GENERAL_ERROR"
	failInvocation = "INVOCATION_ERROR"
	failSigning    = "SIGNING_FAILURE"
)

var failureMessages = map[string]string{
	failGeneral:    "General error.",
	failInvocation: "An invoked method threw an exception.",
	failSigning:    "Signing has failed.",
}

// basicsFailure is a failed basics call: its code and the cause's
// toString() ("java.lang.IllegalArgumentException: …").
type basicsFailure struct{ code, details string }

func (f *basicsFailure) json() []byte {
	return orgjson.Marshal(orgjson.Object{
		{Key: "code", Value: f.code}, {Key: "details", Value: f.details},
		{Key: "message", Value: failureMessages[f.code]}, {Key: "status", Value: false},
	})
}

func basicsOK(body orgjson.Object) []byte {
	return orgjson.Marshal(orgjson.Object{{Key: "body", Value: body}, {Key: "status", Value: true}})
}

// basicsCanceled is the reply when the user cancels: success with an
// empty body.
var basicsCanceled = []byte(`{"body":{},"status":true}`)

// jsonErr is an org.json JSONException, reported as INVOCATION_ERROR.
func jsonErr(format string, a ...any) *basicsFailure {
	return &basicsFailure{failInvocation, "org.json.JSONException: " + fmt.Sprintf(format, a...)}
}

// basics answers a request to kz.gov.pki.knca.basics as NCA's
// CommonInvoker does: apiVersion 2, the class, the method, its arguments
// as a JSON object.
func (s *Server) basics(c *conn, req map[string]any) []byte {
	general := func(msg string) []byte {
		return (&basicsFailure{failGeneral, "java.lang.IllegalArgumentException: " + msg}).json()
	}
	if v := optInt(req["apiVersion"], 2); v != 2 {
		return general("Supported apiVersion is 2")
	}
	if class := javaString(req["class"]); class != "" && class != basicsClass {
		return general(class + " is not found")
	}
	name, present := req["method"]
	method, isString := name.(string)
	switch {
	case !present:
		return (&basicsFailure{failGeneral, `org.json.JSONException: JSONObject["method"] not found.`}).json()
	case !isString:
		return (&basicsFailure{failGeneral, `org.json.JSONException: JSONObject["method"] is not a string.`}).json()
	case method != "sign":
		return general(method + " is not defined in " + basicsClass)
	}
	args, ok := req["args"].(map[string]any)
	if !ok {
		return general(method + " demands arguments")
	}
	body, fail := s.basicsSign(c, args)
	switch {
	case fail != nil:
		return fail.json()
	case body == nil:
		return basicsCanceled
	}
	return basicsOK(body)
}

// signRequest is basics.sign's arguments, read.
type signRequest struct {
	format   string
	data     []string
	array    bool // data was an array
	decode   bool
	attached bool // encapsulate
	digested bool
	filter   Filter
	locale   string
}

// basicsSign runs basics.sign. It returns the body, nil for a cancel, or
// a failure.
func (s *Server) basicsSign(c *conn, args map[string]any) (orgjson.Object, *basicsFailure) {
	r, fail := s.readSign(args)
	if fail != nil {
		return nil, fail
	}
	docs := make([][]byte, len(r.data))
	for i, d := range r.data {
		docs[i] = []byte(d)
		if r.decode {
			b, err := javaBase64(d)
			if err != nil {
				return nil, &basicsFailure{failSigning, "java.lang.IllegalArgumentException: " + err.Error()}
			}
			docs[i] = b
		}
		if r.format == "xml" {
			if err := checkXML(string(docs[i])); err != nil {
				return nil, &basicsFailure{failSigning, err.Error()}
			}
		}
	}
	k, ok := s.choose(c, &Prompt{Module: ModuleBasics, Method: "sign", Format: r.format, Filter: r.filter, Locale: r.locale})
	if !ok {
		return nil, nil
	}
	out := make([]string, len(docs))
	for i, d := range docs {
		var err error
		if r.format == "xml" {
			out[i], err = s.signXMLDoc(string(d), k)
		} else {
			var der []byte
			if der, err = s.signCMS(d, k, !r.attached); err == nil {
				out[i] = string(cms.EncodePEM(der))
			}
		}
		if err != nil {
			return nil, &basicsFailure{failSigning, "java.lang.Exception: " + err.Error()}
		}
	}
	if r.format == "cms" && s.opts.CMSResultString && !r.array {
		return orgjson.Object{{Key: "result", Value: out[0]}}, nil
	}
	return orgjson.Object{{Key: "result", Value: out}}, nil
}

// readSign reads basics.sign's arguments as org.json reads them, with its
// exceptions as INVOCATION_ERROR.
func (s *Server) readSign(args map[string]any) (*signRequest, *basicsFailure) {
	r := &signRequest{locale: javaString(args["locale"])}
	signingParams, fail := getObject(args, "signingParams")
	if fail != nil {
		return nil, fail
	}
	signerParams, fail := getObject(args, "signerParams")
	if fail != nil {
		return nil, fail
	}
	switch f := args["format"].(type) {
	case nil:
		if _, present := args["format"]; !present {
			return nil, jsonErr(`JSONObject["format"] not found.`)
		}
		return nil, jsonErr(`JSONObject["format"] is not a string.`)
	case string:
		r.format = f
	default:
		return nil, jsonErr(`JSONObject["format"] is not a string.`)
	}
	switch r.format {
	case "xml", "cms":
	case "raw":
		return nil, &basicsFailure{failInvocation, "java.lang.UnsupportedOperationException: the raw format is not supported by esf's NCALayer emulator"}
	default:
		return nil, &basicsFailure{failInvocation, "java.lang.IllegalArgumentException: unknown format " + strconv.Quote(r.format)}
	}
	switch d := args["data"].(type) {
	case string:
		r.data = []string{d}
	case []any:
		r.array = true
		for i, e := range d {
			str, ok := e.(string)
			if !ok {
				return nil, jsonErr("JSONArray[%d] is not a String.", i)
			}
			r.data = append(r.data, str)
		}
		if len(r.data) == 0 {
			return nil, &basicsFailure{failInvocation, "java.lang.IllegalArgumentException: data is empty"}
		}
	default:
		if _, present := args["data"]; !present {
			return nil, jsonErr(`JSONObject["data"] not found.`)
		}
		return nil, jsonErr(`JSONObject["data"] is not a string or a JSONArray.`)
	}
	r.decode = optBool(signingParams["decode"], false)
	r.attached = optBool(signingParams["encapsulate"], true)
	r.digested = optBool(signingParams["digested"], false)
	if r.digested {
		return nil, &basicsFailure{failSigning, "java.lang.UnsupportedOperationException: signing a precomputed hash (digested) is not supported by esf's NCALayer emulator"}
	}

	f := Filter{At: s.now(), IIN: javaString(signerParams["iin"]), BIN: javaString(signerParams["bin"]), SerialNumber: javaString(signerParams["serialNumber"])}
	oids, present := signerParams["extKeyUsageOids"]
	list, isArray := oids.([]any)
	switch {
	case !present:
		return nil, jsonErr(`JSONObject["extKeyUsageOids"] not found.`)
	case !isArray:
		return nil, jsonErr(`JSONObject["extKeyUsageOids"] is not a JSONArray.`)
	}
	for i, e := range list {
		str, ok := e.(string)
		if !ok {
			return nil, jsonErr("JSONArray[%d] is not a String.", i)
		}
		f.ExtKeyUsageOIDs = append(f.ExtKeyUsageOIDs, str)
	}
	switch chain := signerParams["chain"].(type) {
	case nil: // absent or null: the current production NCA
		f.Issuers = s.opts.DefaultIssuers
	case []any:
		f.Issuers = []*certs.Certificate{}
		for i, e := range chain {
			str, _ := e.(string)
			cert, err := certs.ParseCertificate([]byte(str))
			if err != nil {
				return nil, &basicsFailure{failInvocation, fmt.Sprintf("java.security.cert.CertificateException: chain[%d]: %v", i, err)}
			}
			f.Issuers = append(f.Issuers, cert)
		}
	default:
		return nil, jsonErr(`JSONObject["chain"] is not a JSONArray.`)
	}
	if storages, ok := args["allowedStorages"].([]any); ok {
		for _, e := range storages {
			if str, ok := e.(string); ok {
				f.Storages = append(f.Storages, str)
			}
		}
		if len(f.Storages) == 0 {
			f.Storages = nil // [] is no restriction, as the official page sends it
		}
	}
	r.filter = f
	return r, nil
}

// getObject is org.json's getJSONObject.
func getObject(o map[string]any, key string) (map[string]any, *basicsFailure) {
	v, present := o[key]
	if !present {
		return nil, jsonErr(`JSONObject[%s] not found.`, strconv.Quote(key))
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, jsonErr(`JSONObject[%s] is not a JSONObject.`, strconv.Quote(key))
	}
	return m, nil
}

// optBool is org.json's optBoolean: a boolean, or the string "true" or
// "false" in any case; anything else is def.
func optBool(v any, def bool) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		switch strings.ToLower(v) {
		case "true":
			return true
		case "false":
			return false
		}
	}
	return def
}

// optInt is org.json's optInt: a number or a numeric string, else def.
func optInt(v any, def int) int {
	var s string
	switch v := v.(type) {
	case json.Number:
		s = v.String()
	case string:
		s = v
	default:
		return def
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return int(f)
	}
	return def
}
