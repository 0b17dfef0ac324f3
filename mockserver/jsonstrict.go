package mockserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxJSONDepth bounds the nesting of a JSON body.
const maxJSONDepth = 64

// duplicateKeyError names a key that occurs twice in one JSON object.
type duplicateKeyError struct {
	Path string // the key's path, such as "form.email" or "signed[1]"
}

func (e *duplicateKeyError) Error() string {
	return fmt.Sprintf("duplicate key %q", e.Path)
}

var errJSONTooDeep = fmt.Errorf("JSON nested deeper than %d levels", maxJSONDepth)

// checkJSONKeys reads the first JSON value of data and refuses an object
// with a key twice (encoding/json would silently keep the last) and
// nesting deeper than maxJSONDepth. Syntax errors are left to the decoder
// that follows: at the first one, checkJSONKeys stops and returns nil,
// unless a duplicate key or the nesting came before it in the document.
// Keys are compared as encoding/json reads them (escapes decoded,
// invalid UTF-8 replaced), and data is read once, in place: the values'
// strings are checked, not decoded.
func checkJSONKeys(data []byte) error {
	c := jsonChecker{data: data}
	c.space()
	if c.i == len(data) {
		return nil // no value: the decoder reports it
	}
	err := c.value(0)
	if errors.Is(err, errJSONSyntax) {
		return nil
	}
	return err
}

// errJSONSyntax stops jsonChecker at a syntax error.
var errJSONSyntax = errors.New("JSON syntax error")

// jsonChecker is checkJSONKeys's reader: data from offset i, and the path
// of the value being read (for the duplicate key's error).
type jsonChecker struct {
	data []byte
	i    int
	path []pathStep
}

// pathStep is one step of the path: an object's key, or an array's index.
type pathStep struct {
	key   []byte
	index int // -1 for a key
}

// pathTo returns the path of key in the object being read, whose own
// step is c.path's last, as "form.email" or "signed[1].kind".
func (c *jsonChecker) pathTo(key []byte) string {
	var b strings.Builder
	for _, s := range c.path[:len(c.path)-1] {
		if s.index >= 0 {
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.Write(s.key)
	}
	if b.Len() > 0 {
		b.WriteByte('.')
	}
	b.Write(key)
	return b.String()
}

// space skips JSON whitespace.
func (c *jsonChecker) space() {
	for c.i < len(c.data) {
		switch c.data[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

// next returns the next byte after whitespace, or 0 at the end.
func (c *jsonChecker) next() byte {
	c.space()
	if c.i == len(c.data) {
		return 0
	}
	return c.data[c.i]
}

// value reads one value at nesting depth (the number of containers
// around it).
func (c *jsonChecker) value(depth int) error {
	switch c.next() {
	case '{':
		return c.object(depth + 1)
	case '[':
		return c.array(depth + 1)
	case '"':
		_, err := c.str()
		return err
	case 't':
		return c.literal("true")
	case 'f':
		return c.literal("false")
	case 'n':
		return c.literal("null")
	}
	return c.number()
}

func (c *jsonChecker) object(depth int) error {
	if depth > maxJSONDepth {
		return errJSONTooDeep
	}
	c.i++ // {
	if c.next() == '}' {
		c.i++
		return nil
	}
	var (
		few  [8][]byte
		keys = few[:0]
		seen map[string]bool
	)
	c.path = append(c.path, pathStep{index: -1})
	for {
		if c.next() != '"' {
			return errJSONSyntax
		}
		raw, err := c.str()
		if err != nil {
			return err
		}
		key, err := jsonKey(raw)
		if err != nil {
			return err
		}
		switch {
		case seen != nil:
			if seen[string(key)] {
				return &duplicateKeyError{Path: c.pathTo(key)}
			}
			seen[string(key)] = true
		default:
			for _, k := range keys {
				if bytes.Equal(k, key) {
					return &duplicateKeyError{Path: c.pathTo(key)}
				}
			}
			if len(keys) < len(few) {
				keys = append(keys, key)
				break
			}
			seen = make(map[string]bool, 2*len(few))
			for _, k := range keys {
				seen[string(k)] = true
			}
			seen[string(key)] = true
		}
		if c.next() != ':' {
			return errJSONSyntax
		}
		c.i++
		c.path[len(c.path)-1].key = key
		if err := c.value(depth); err != nil {
			return err
		}
		switch c.next() {
		case ',':
			c.i++
		case '}':
			c.i++
			c.path = c.path[:len(c.path)-1]
			return nil
		default:
			return errJSONSyntax
		}
	}
}

func (c *jsonChecker) array(depth int) error {
	if depth > maxJSONDepth {
		return errJSONTooDeep
	}
	c.i++ // [
	if c.next() == ']' {
		c.i++
		return nil
	}
	c.path = append(c.path, pathStep{})
	for n := 0; ; n++ {
		c.path[len(c.path)-1].index = n
		if err := c.value(depth); err != nil {
			return err
		}
		switch c.next() {
		case ',':
			c.i++
		case ']':
			c.i++
			c.path = c.path[:len(c.path)-1]
			return nil
		default:
			return errJSONSyntax
		}
	}
}

// str reads a string literal, checking its characters and escapes, and
// returns it with its quotes.
func (c *jsonChecker) str() ([]byte, error) {
	start := c.i
	c.i++ // "
	for c.i < len(c.data) {
		switch b := c.data[c.i]; {
		case b == '"':
			c.i++
			return c.data[start:c.i], nil
		case b == '\\':
			if c.i+1 == len(c.data) {
				return nil, errJSONSyntax
			}
			switch c.data[c.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				c.i += 2
			case 'u':
				if c.i+6 > len(c.data) {
					return nil, errJSONSyntax
				}
				for _, h := range c.data[c.i+2 : c.i+6] {
					if !isHex(h) {
						return nil, errJSONSyntax
					}
				}
				c.i += 6
			default:
				return nil, errJSONSyntax
			}
		case b < 0x20:
			return nil, errJSONSyntax
		default:
			c.i++
		}
	}
	return nil, errJSONSyntax
}

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

// jsonKey returns the key a string literal names, as encoding/json
// decodes it: in place when it has no escape and is valid UTF-8.
func jsonKey(raw []byte) ([]byte, error) {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return inner, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, errJSONSyntax
	}
	return []byte(s), nil
}

// literal reads true, false or null.
func (c *jsonChecker) literal(word string) error {
	rest := c.data[c.i:]
	if len(rest) < len(word) || string(rest[:len(word)]) != word {
		return errJSONSyntax
	}
	c.i += len(word)
	return nil
}

// number reads a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (c *jsonChecker) number() error {
	d := c.data
	if c.i < len(d) && d[c.i] == '-' {
		c.i++
	}
	switch {
	case c.i < len(d) && d[c.i] == '0':
		c.i++
	case c.i < len(d) && '1' <= d[c.i] && d[c.i] <= '9':
		c.digits()
	default:
		return errJSONSyntax
	}
	if c.i < len(d) && d[c.i] == '.' {
		c.i++
		if c.digits() == 0 {
			return errJSONSyntax
		}
	}
	if c.i < len(d) && (d[c.i] == 'e' || d[c.i] == 'E') {
		c.i++
		if c.i < len(d) && (d[c.i] == '+' || d[c.i] == '-') {
			c.i++
		}
		if c.digits() == 0 {
			return errJSONSyntax
		}
	}
	return nil
}

// digits skips a run of digits and returns its length.
func (c *jsonChecker) digits() int {
	start := c.i
	for c.i < len(c.data) && '0' <= c.data[c.i] && c.data[c.i] <= '9' {
		c.i++
	}
	return c.i - start
}
