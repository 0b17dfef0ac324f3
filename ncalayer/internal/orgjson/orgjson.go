// Package orgjson writes JSON the way Java's org.json library writes it,
// which is what NCALayer's replies are made with: compact, the members of
// every object in the order Java's HashMap iterates them, "/" escaped after
// "<", control characters and a few Unicode ranges as \uXXXX, and null
// members left out.
package orgjson

import (
	"sort"
	"strconv"
	"unicode/utf16"
)

// Member is one member of an Object.
type Member struct {
	Key   string
	Value any
}

// Object is a JSON object given in insertion order; Marshal writes its
// members in Java HashMap order (see Order). A member whose Value is nil
// is left out, as org.json leaves out a bean's null fields.
type Object []Member

// Raw is JSON text written as it is (a number, say).
type Raw string

// Marshal writes v: nil as null, string, bool, int, Raw, Object, []any,
// []string and []Object. Any other type is written as null.
func Marshal(v any) []byte {
	var b []byte
	return appendValue(b, v)
}

func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return Quote(b, v)
	case bool:
		return strconv.AppendBool(b, v)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case Raw:
		return append(b, v...)
	case Object:
		b = append(b, '{')
		first := true
		for _, i := range Order(v) {
			m := v[i]
			if m.Value == nil {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = Quote(b, m.Key)
			b = append(b, ':')
			b = appendValue(b, m.Value)
		}
		return append(b, '}')
	case []any:
		return appendArray(b, v, appendValue)
	case []string:
		return appendArray(b, v, Quote)
	case []Object:
		return appendArray(b, v, func(b []byte, o Object) []byte { return appendValue(b, o) })
	}
	return append(b, "null"...)
}

// appendArray appends a JSON array of xs, each written by value.
func appendArray[T any](b []byte, xs []T, value func([]byte, T) []byte) []byte {
	b = append(b, '[')
	for i, e := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = value(b, e)
	}
	return append(b, ']')
}

// Order returns the indexes of o's members in the order a java.util.HashMap
// with the default capacity (16, load factor 0.75), filled in o's order,
// iterates them: by bucket (the spread String.hashCode masked by the final
// capacity), and within a bucket in insertion order — a resize splits a
// bucket keeping that order. Members with nil values are counted, as a
// bean's null fields never reach the map: callers leave them out of o or
// accept that the capacity counts them (it changes only past 12 members).
func Order(o Object) []int {
	n := 0
	for _, m := range o {
		if m.Value != nil {
			n++
		}
	}
	capacity := 16
	for n > capacity*3/4 {
		capacity *= 2
	}
	idx := make([]int, len(o))
	bucket := make([]uint32, len(o))
	for i, m := range o {
		idx[i] = i
		h := JavaHash(m.Key)
		bucket[i] = (h ^ h>>16) & uint32(capacity-1)
	}
	sort.SliceStable(idx, func(a, b int) bool { return bucket[idx[a]] < bucket[idx[b]] })
	return idx
}

// JavaHash is Java's String.hashCode: s[0]*31^(n-1) + … + s[n-1] over the
// UTF-16 code units, in 32-bit arithmetic.
func JavaHash(s string) uint32 {
	var h uint32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + uint32(u)
	}
	return h
}

// Quote appends s as org.json's JSONObject.quote writes it: \" and \\;
// "/" escaped only after "<"; \b \t \n \f \r; other characters below U+0020,
// U+0080–U+009F and U+2000–U+20FF as \u with four lower-case hex digits;
// everything else as it is (UTF-8).
func Quote(b []byte, s string) []byte {
	b = append(b, '"')
	var prev rune
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', byte(c))
		case c == '/':
			if prev == '<' {
				b = append(b, '\\')
			}
			b = append(b, '/')
		case c == '\b':
			b = append(b, `\b`...)
		case c == '\t':
			b = append(b, `\t`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\f':
			b = append(b, `\f`...)
		case c == '\r':
			b = append(b, `\r`...)
		case c < ' ' || (c >= 0x80 && c < 0xa0) || (c >= 0x2000 && c < 0x2100):
			const hex = "0123456789abcdef"
			b = append(b, '\\', 'u', hex[c>>12&0xf], hex[c>>8&0xf], hex[c>>4&0xf], hex[c&0xf])
		default:
			b = append(b, string(c)...)
		}
		prev = c
	}
	return append(b, '"')
}
