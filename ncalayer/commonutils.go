package ncalayer

import (
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"strconv"
	"strings"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/ncalayer/internal/orgjson"
)

// Messages of commonUtils (docs/ncalayer.md §3.1).
const (
	msgCanceled      = "action.canceled"
	msgStorageEmpty  = "storageName.param.empty"
	msgStorageUnkown = "storage.unknown"
	msgNoDevice      = "storage.empty"
)

// paramKind is the Java type of a commonUtils method's parameter.
type paramKind int

const (
	pString  paramKind = iota // String: a JSON string
	pBool                     // boolean: a JSON true or false
	pStrings                  // String[]: a JSON array of strings
)

// cuMethod is a method of the commonUtils module.
type cuMethod struct {
	name   string
	params []paramKind
	run    func(s *Server, c *conn, args []any) cuReply
}

// cuReply is commonUtils' ResponseMessage: code "200" or "500", an
// optional message and responseObject.
type cuReply struct {
	code    string
	message any // string or nil
	object  any
}

func cuOK(object any) cuReply       { return cuReply{code: "200", object: object} }
func cuFail(message string) cuReply { return cuReply{code: "500", message: message} }

func (r cuReply) json(uuid string) []byte {
	o := orgjson.Object{{Key: "responseObject", Value: r.object}, {Key: "code", Value: r.code}, {Key: "message", Value: r.message}}
	if uuid != "" {
		o = append(o, orgjson.Member{Key: "uuid", Value: uuid})
	}
	return orgjson.Marshal(o)
}

// commonMethods are the commonUtils methods, looked up by name and number
// of arguments as NCALayer's reflection does.
var commonMethods = []cuMethod{
	{"getActiveTokens", nil, (*Server).getActiveTokens},
	{"getKeyInfo", []paramKind{pString}, (*Server).getKeyInfo},
	{"signXml", []paramKind{pString, pString, pString, pString, pString}, (*Server).signXml},
	{"signXmls", []paramKind{pString, pString, pStrings, pString, pString}, (*Server).signXmls},
	{"createCMSSignatureFromBase64", []paramKind{pString, pString, pString, pBool}, func(s *Server, c *conn, args []any) cuReply {
		return s.createCMS(c, "createCMSSignatureFromBase64", args)
	}},
	{"createCAdESFromBase64", []paramKind{pString, pString, pString, pBool}, func(s *Server, c *conn, args []any) cuReply {
		return s.createCMS(c, "createCAdESFromBase64", args)
	}},
	{"createCAdESFromBase64Hash", []paramKind{pString, pString, pString}, (*Server).createCAdESFromBase64Hash},
	{"changeLocale", []paramKind{pString}, (*Server).changeLocale},
	{"showFileChooser", []paramKind{pString, pString}, (*Server).showFileChooser},
}

// commonUtils answers a request to kz.gov.pki.knca.commonUtils as
// NCALayerCommonActivator does: method by name and arity, arguments
// checked as reflection checks them, uuid echoed into what the method
// returns (not into the dispatcher's own errors).
func (s *Server) commonUtils(c *conn, req map[string]any) []byte {
	name, present := req["method"]
	mname, isString := name.(string)
	switch {
	case !present:
		return cuFail(`JSONObject["method"] not found.`).json("")
	case !isString:
		return cuFail(`JSONObject["method"] is not a string.`).json("")
	}
	args, _ := req["args"].([]any) // optJSONArray: anything else is no arguments
	var m *cuMethod
	for i := range commonMethods {
		if mname != "" && commonMethods[i].name == mname && len(commonMethods[i].params) == len(args) {
			m = &commonMethods[i]
			break
		}
	}
	if m == nil {
		return cuFail("NoSuchMethodException " + mname).json("")
	}
	conv := make([]any, len(args))
	for i, a := range args {
		conv[i] = a
		arr, ok := a.([]any)
		if !ok || m.params[i] != pStrings {
			continue
		}
		ss := make([]string, len(arr))
		for j, e := range arr {
			str, ok := e.(string)
			if !ok {
				return cuFail(fmt.Sprintf("JSONArray[%d] is not a String.", j)).json("")
			}
			ss[j] = str
		}
		conv[i] = ss
	}
	for i, p := range m.params {
		ok := false
		switch p {
		case pString:
			_, ok = conv[i].(string)
		case pBool:
			_, ok = conv[i].(bool)
		case pStrings:
			_, ok = conv[i].([]string)
		}
		if !ok {
			return cuFail("java.lang.IllegalArgumentException: argument type mismatch. Method: " + mname).json("")
		}
	}
	reply := m.run(s, c, conv)
	return reply.json(javaString(req["uuid"]))
}

// checkStorage returns commonUtils' message for a storage name it cannot
// open, or "".
func (s *Server) checkStorage(name string) string {
	switch {
	case strings.TrimSpace(name) == "":
		return msgStorageEmpty
	case !knownStorage(name):
		return msgStorageUnkown
	case isToken(name) && !s.devicePresent(name):
		return msgNoDevice
	}
	return ""
}

func (s *Server) devicePresent(name string) bool {
	for _, k := range s.opts.Keys {
		if k.StorageName() == name {
			return true
		}
	}
	return false
}

// usageOf maps commonUtils' keyType to a usage: AUTHENTICATION and
// SIGNATURE exactly; anything else (ALL, AUTH, "") is any key.
func usageOf(keyType string) certs.Usage {
	switch keyType {
	case "AUTHENTICATION":
		return certs.UsageAuth
	case "SIGNATURE":
		return certs.UsageSign
	}
	return 0
}

// getActiveTokens lists the devices "plugged in": the storages of
// Options.Keys that are devices, never PKCS12 or JKS.
func (s *Server) getActiveTokens(*conn, []any) cuReply {
	out := []string{}
	for _, name := range storages {
		if isToken(name) && s.devicePresent(name) {
			out = append(out, name)
		}
	}
	return cuOK(out)
}

// getKeyInfo(storageName) describes the key the user picks.
func (s *Server) getKeyInfo(c *conn, args []any) cuReply {
	storage := args[0].(string)
	if msg := s.checkStorage(storage); msg != "" {
		return cuFail(msg)
	}
	k, ok := s.choose(c, &Prompt{Module: ModuleCommonUtils, Method: "getKeyInfo", Filter: Filter{Storages: []string{storage}, At: s.now()}})
	if !ok {
		return cuFail(msgCanceled)
	}
	return cuOK(s.keyInfo(k))
}

// keyInfo is getKeyInfo's KeyInfo (docs/ncalayer.md §5).
func (s *Server) keyInfo(k *Key) orgjson.Object {
	c := k.KeyStore.Certificate
	id := keyID(k)
	var aki any
	if len(c.X509.AuthorityKeyId) > 0 {
		aki = hex.EncodeToString(c.X509.AuthorityKeyId)
	}
	// keyId before alias: they share a HashMap bucket, and NCALayer's
	// replies list keyId first.
	return orgjson.Object{
		{Key: "keyId", Value: id},
		{Key: "alias", Value: id},
		{Key: "algorithm", Value: algorithmName(c.Algorithm)},
		{Key: "subjectCn", Value: c.CommonName},
		{Key: "subjectDn", Value: javaDN(c.X509.Subject.Names)},
		{Key: "issuerCn", Value: c.Issuer},
		{Key: "issuerDn", Value: javaDN(c.X509.Issuer.Names)},
		{Key: "serialNumber", Value: c.X509.SerialNumber.Text(16)},
		{Key: "certNotAfter", Value: strconv.FormatInt(c.NotAfter.UnixMilli(), 10)},
		{Key: "certNotBefore", Value: strconv.FormatInt(c.NotBefore.UnixMilli(), 10)},
		{Key: "authorityKeyIdentifier", Value: aki},
		{Key: "pem", Value: s.certPEM(c.X509.Raw)},
	}
}

// keyID is the key's identifier: the key store's alias (NCA writes the
// SubjectKeyIdentifier in lower-case hex), else the certificate's SKI.
func keyID(k *Key) string {
	if n := k.KeyStore.FriendlyName; n != "" {
		return n
	}
	return hex.EncodeToString(k.KeyStore.Certificate.SKI)
}

// algorithmName is the key algorithm as Kalkan's JCE names it.
func algorithmName(a certs.Algorithm) string {
	switch a {
	case certs.AlgorithmRSA:
		return "RSA"
	case certs.AlgorithmGOST2015_512:
		return "ECGOST3410-2015-512"
	case certs.AlgorithmGOST2004:
		return "ECGOST34310"
	}
	return a.String()
}

// certPEM writes a certificate as Java's PEM writer does: 64 columns,
// the platform's line break, no line break after the last line.
func (s *Server) certPEM(der []byte) string {
	p := strings.TrimSuffix(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), "\n")
	if s.opts.LineEnding == CRLF {
		p = strings.ReplaceAll(p, "\n", "\r\n")
	}
	return p
}

// dnNames are the attribute names of getKeyInfo's DNs (S14, S16: CN,
// SURNAME, SERIALNUMBER, C, G, E, OU …).
var dnNames = map[string]string{
	"2.5.4.3": "CN", "2.5.4.4": "SURNAME", "2.5.4.5": "SERIALNUMBER", "2.5.4.6": "C", "2.5.4.7": "L",
	"2.5.4.8": "ST", "2.5.4.9": "STREET", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.12": "T",
	"2.5.4.15": "BUSINESSCATEGORY", "2.5.4.42": "G", "0.9.2342.19200300.100.1.25": "DC",
	"0.9.2342.19200300.100.1.1": "UID", "1.2.840.113549.1.9.1": "E",
}

// javaDN writes a DN in the certificate's order, comma-separated without
// spaces, values escaped as RFC 4514 escapes them.
func javaDN(names []pkix.AttributeTypeAndValue) string {
	parts := make([]string, 0, len(names))
	for _, a := range names {
		name, ok := dnNames[a.Type.String()]
		if !ok {
			name = a.Type.String()
		}
		v := fmt.Sprint(a.Value)
		v = strings.NewReplacer(`\`, `\\`, `,`, `\,`, `+`, `\+`, `"`, `\"`, `<`, `\<`, `>`, `\>`, `;`, `\;`).Replace(v)
		parts = append(parts, name+"="+v)
	}
	return strings.Join(parts, ",")
}

// changeLocale(localeId) sets the dialog language; NCALayer answers
// exactly {"code":"200"}.
func (s *Server) changeLocale(c *conn, args []any) cuReply {
	c.locale = args[0].(string)
	return cuReply{code: "200"}
}

// showFileChooser(extension, directory): a headless NCALayer has no file
// dialog to show, so the user cancels it.
func (s *Server) showFileChooser(*conn, []any) cuReply { return cuFail(msgCanceled) }

// createCAdESFromBase64Hash signs a precomputed hash, which the cms
// package cannot (it signs content): refused with a message that says so,
// after the checks NCALayer makes.
func (s *Server) createCAdESFromBase64Hash(c *conn, args []any) cuReply {
	if msg := s.checkStorage(args[0].(string)); msg != "" {
		return cuFail(msg)
	}
	if args[2].(string) == "" {
		return cuReply{code: "500"} // as recorded: no message
	}
	return cuFail("createCAdESFromBase64Hash: signing a precomputed hash is not supported by esf's NCALayer emulator")
}
