package xmlsig

import "strings"

// isURIReference reports whether s is a URI-reference of RFC 3986 §4.1,
// as a namespace name must be (Namespaces in XML 1.0 §2.2) and as libxml2
// checks it (xmlParseURI): ASCII only, characters where the grammar
// allows them, percent signs followed by two hex digits.
//
//	URI-reference = scheme ":" hier-part [ "?" query ] [ "#" fragment ]
//	              / relative-part [ "?" query ] [ "#" fragment ]
//	hier-part     = "//" authority path-abempty / path-absolute / path-rootless / path-empty
//	relative-part = "//" authority path-abempty / path-absolute / path-noscheme / path-empty
func isURIReference(s string) bool {
	rest, fragment, hasFragment := strings.Cut(s, "#")
	if hasFragment && !allPchar(fragment, "/?[]") { // libxml2 lets [ ] into fragments
		return false
	}
	rest, query, hasQuery := strings.Cut(rest, "?")
	if hasQuery && !allPchar(query, "/?") {
		return false
	}
	if i := strings.IndexByte(rest, ':'); i > 0 && isScheme(rest[:i]) {
		return isHierPart(rest[i+1:], false)
	}
	return isHierPart(rest, true)
}

func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isAlpha(c):
		case i > 0 && (isDigit(c) || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// isHierPart checks hier-part, or relative-part when relative: there the
// first segment of a path that does not start with "/" has no colon.
func isHierPart(s string, relative bool) bool {
	if strings.HasPrefix(s, "//") {
		authority, path := s[2:], ""
		if i := strings.IndexByte(authority, '/'); i >= 0 {
			authority, path = authority[:i], authority[i:]
		}
		return isAuthority(authority) && isPath(path)
	}
	if relative && !strings.HasPrefix(s, "/") {
		first, _, _ := strings.Cut(s, "/")
		if strings.IndexByte(first, ':') >= 0 {
			return false
		}
	}
	return isPath(s)
}

// isAuthority: [ userinfo "@" ] host [ ":" port ].
func isAuthority(s string) bool {
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		if !allOf(s[:i], ":") {
			return false
		}
		s = s[i+1:]
	}
	if strings.HasPrefix(s, "[") { // IP-literal, read as loosely as libxml2 does
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return false
		}
		s = s[end+1:]
	} else {
		host := s
		if i := strings.IndexByte(s, ':'); i >= 0 {
			host = s[:i]
		}
		if !allOf(host, "") {
			return false
		}
		s = s[len(host):]
	}
	if s == "" {
		return true
	}
	if s[0] != ':' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// isPath: segments of pchar separated by "/".
func isPath(s string) bool { return allPchar(s, "/") }

// allPchar: pchar = unreserved / pct-encoded / sub-delims / ":" / "@",
// and the extra characters given.
func allPchar(s, extra string) bool { return allOf(s, ":@"+extra) }

// allOf: unreserved / pct-encoded / sub-delims, and the extra characters.
func allOf(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isAlpha(c), isDigit(c), strings.IndexByte("-._~", c) >= 0: // unreserved
		case strings.IndexByte("!$&'()*+,;=", c) >= 0: // sub-delims
		case strings.IndexByte(extra, c) >= 0:
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			i += 2
		default:
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
