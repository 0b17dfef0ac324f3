// Package ncalayer is a headless NCALayer: a stand-in for the desktop
// signing application of Kazakhstan's National Certification Authority
// (NCA), which web pages reach over a WebSocket on 127.0.0.1:13579, for
// tests and sandboxes where the real one — a Java GUI with a file dialog
// and a PIN prompt — cannot run. It speaks the protocol as the public
// clients use it (docs/ncalayer.md) and signs with the key stores it was
// given, without asking.
//
//	srv, err := ncalayer.New(ncalayer.Options{Keys: []*ncalayer.Key{{KeyStore: ks}}})
//	go srv.ListenAndServe("")   // wss://127.0.0.1:13579/, a certificate generated for it
//	defer srv.Shutdown(ctx)
//
// Package ncalayertest starts one on a free port for a Go test.
//
// # The protocol
//
// On connect the server sends {"result":{"version":"1.4"}} (Options.Version)
// once; a text frame --heartbeat-- is echoed; every other frame is a JSON
// request answered by one JSON frame, one request at a time per connection,
// in order. Replies are written as Java's org.json writes them: compact,
// the members of each object in Java HashMap order ({"responseObject":…,
// "code":"200"}, {"body":…,"status":true}), "</" written "<\/", null
// members left out.
//
// Module kz.gov.pki.knca.commonUtils takes positional arguments. A method
// is found by name and number of arguments ("NoSuchMethodException
// <method>"); arguments are checked as Java reflection checks them: a JSON
// string for String, true or false for boolean, an array of strings for
// String[], anything else "java.lang.IllegalArgumentException: argument
// type mismatch. Method: <method>". A string "uuid" in the request is
// echoed into the method's reply. Methods: getActiveTokens,
// getKeyInfo(storage), signXml(storage, keyType, xml, tbsXPath,
// parentXPath), signXmls(storage, keyType, xmls[], tbsXPath, parentXPath),
// createCMSSignatureFromBase64 and createCAdESFromBase64(storage,
// keyType, dataBase64, attached) — base64 DER —, changeLocale(locale)
// ({"code":"200"}), showFileChooser. A cancel is {"code":"500",
// "message":"action.canceled"}; storage errors are storageName.param.empty,
// storage.unknown and storage.empty.
//
// Module kz.gov.pki.knca.basics has sign, with named arguments (apiVersion
// 2): format "xml" or "cms", data a string or an array, signingParams
// (decode, encapsulate — default true —, digested, tsaProfile) and
// signerParams (extKeyUsageOids, iin, bin, serialNumber, chain), with
// allowedStorages and locale. Success is {"body":{"result":[…]},
// "status":true} — an array for cms too, as since October 2024
// (Options.CMSResultString for the earlier single string), each CMS as PEM
// -----BEGIN CMS-----; a cancel is {"body":{},"status":true}; failures are
// {"code":…,"details":…,"message":…,"status":false} with GENERAL_ERROR,
// INVOCATION_ERROR or SIGNING_FAILURE.
//
// Every other module — and a frame that is not a JSON object — gets
// {"success":false,"errorCode":"MODULE_NOT_FOUND"}.
//
// # Choosing the key
//
// Options.Keys are the key stores "on the machine", each in a storage:
// PKCS12 (a .p12 file, the default), or a device such as AKKaztokenStore,
// which getActiveTokens then reports (it never reports PKCS12). A request
// asks for a storage and, in commonUtils, a keyType: AUTHENTICATION keys
// are those certs classifies UsageAuth, SIGNATURE keys UsageSign (NCA's
// GOST 2015 keys are both), any other keyType means any key. basics.sign
// filters by allowedStorages, extKeyUsageOids (each in the certificate's
// extended key usage or policies), iin, bin, serialNumber (hex or decimal)
// and chain. Certificates not valid at Options.Now never fit (xmlsig and
// cms refuse to sign with them, as NCALayer does). The keys that fit go to
// Options.Choose (a Prompt) — by default the first one, as a user pressing
// Enter — which may also cancel. When no key fits, NCALayer's dialog shows
// nothing the user can select, and Cancel is all that is left: the answer
// is the cancel answer, and the reason is logged (Options.Logger).
//
// # Safe defaults
//
// The server signs without asking, so: it listens on 127.0.0.1:13579; it
// speaks TLS (wss://) with a certificate it generates, valid for 127.0.0.1,
// ::1 and localhost and issued by a CA generated with it (RootPEM, to trust;
// SPKIHash, for Chromium's --ignore-certificate-errors-spki-list), or with
// Options.Certificate; plain ws:// only with Options.Plain and only on a
// loopback address (ErrPlainNotLoopback). It refuses (HTTP 403) WebSocket
// connections from pages whose origin is not http(s) on 127.0.0.1,
// localhost or [::1] unless Options.AllowedOrigins lists the origin or
// Options.AnyOrigin is set; a client that sends no Origin (not a browser)
// is accepted from loopback addresses only. A plain GET / answers a short
// page, so that a person can open https://127.0.0.1:13579/ once and accept
// the certificate. Frames are limited to Options.MaxMessageSize.
//
// # Where docs/ncalayer.md says unknown, this package chooses
//
//   - Non-JSON frames, JSON that is not an object, requests without a module
//     (the legacy applet, switched off in 2024), the accessory module and
//     the KAZTOKEN probe kz.digiflow.mobile.extensions: MODULE_NOT_FOUND.
//     Binary frames close the connection (1003), as do frames over the
//     size limit (1009).
//   - Concurrency: one request at a time per connection, in order;
//     heartbeats queue behind a request in progress, as the real one's
//     stop answering while its dialog is open. Connections are independent
//     of each other (Choose may be called from several at once).
//   - org.json's exception texts follow the 2020–2021 library the recorded
//     basics error shows ("JSONObject[\"x\"] is not a JSONObject."):
//     "JSONObject[\"method\"] not found.", "… is not a string.",
//     "JSONArray[i] is not a String.". basics names its class "Basics" in
//     "<m> is not defined in Basics"; NCALayer's class name is not public.
//   - Malformed XML is refused before the dialog, as recorded, with
//     "org.xml.sax.SAXParseException; lineNumber: N; <Go's parser's words>"
//     (Xerces' own wording is not reproduced); in basics as SIGNING_FAILURE.
//   - signXml's output: an XML declaration or byte-order mark of the input
//     is dropped and <?xml version="1.0" encoding="UTF-8" standalone="no"?>
//     written before the document element (as Java's serializer writes it),
//     the rest of the document as given, line feeds by default
//     (Options.LineEnding CRLF turns every line feed of the output into
//     CR LF, which parsers read back as LF, so the signature holds).
//   - getKeyInfo: keyId and alias are the key store's alias (NCA writes
//     the SubjectKeyIdentifier in lower-case hex), else the SKI; serialNumber
//     in lower-case hex; algorithm "RSA", "ECGOST3410-2015-512" or
//     "ECGOST34310" (Kalkan's JCE names); DNs comma-separated without spaces
//     in certificate order with G for GIVENNAME and E for e-mail; dates as
//     epoch milliseconds in strings; pem with 64 columns, the platform's line
//     break (Options.LineEnding) and none after the last line.
//   - CMS: createCMSSignatureFromBase64 and createCAdESFromBase64 make the
//     same CMS (package cms: SHA-256 or the GOST digest, signingTime from
//     Options.Now, the signer's certificate), without the time-stamp token
//     NCALayer's createCMSSignatureFromBase64 fetches from tsp.pki.gov.kz;
//     basics' tsaProfile is read and no time-stamp added either. data that
//     is already a CMS is signed as content, not co-signed. base64 is read
//     as java.util.Base64 reads it, with its messages ("Illegal base64
//     character 2d").
//   - Not done, and said so in the reply: signXml with XPaths,
//     createCAdESFromBase64Hash and basics' digested (signing a given hash:
//     package cms signs content), basics' raw format. createCMSSignatureFromFile
//     is not offered (NoSuchMethodException): it would let any page read the
//     machine's files. showFileChooser is cancelled: there is no dialog.
//   - basics: chain absent or null means "the current production NCA",
//     which Options.DefaultIssuers stand for; nil — the default — accepts
//     any issuer, so that pages written for production work with test keys.
//     allowedStorages [] is no restriction. allowExpired, allowRevoked,
//     outputCert, logo are read and ignored. Unknown format:
//     INVOCATION_ERROR; empty data array: INVOCATION_ERROR.
//   - changeLocale accepts any string and keeps it for the connection's
//     prompts (Prompt.Locale); the reply is {"code":"200"} either way.
//   - A device storage whose key was not given (AKKaztokenStore with none):
//     storage.empty; JKS with no key given: the cancel answer (the user
//     finds no file to pick).
package ncalayer
