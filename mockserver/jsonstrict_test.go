package mockserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tokenCheckJSONKeys is what checkJSONKeys was, through json.Decoder.Token:
// the reference its own reader is held to. It walks a JSON document and refuses an object with a key
// twice (encoding/json would silently keep the last) and nesting deeper
// than maxJSONDepth. Syntax errors are left to the decoder that follows.
func tokenCheckJSONKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err := tokenWalkJSON(dec, "", 0)
	if err == io.EOF {
		return nil
	}
	var dup *duplicateKeyError
	if errors.As(err, &dup) || errors.Is(err, errJSONTooDeep) {
		return err
	}
	return nil // a syntax error: the decoder reports it with its offset
}

// tokenWalkJSON reads one value at path.
func tokenWalkJSON(dec *json.Decoder, path string, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	if depth++; depth > maxJSONDepth {
		return errJSONTooDeep
	}
	switch d {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			keyPath := key
			if path != "" {
				keyPath = path + "." + key
			}
			if seen[key] {
				return &duplicateKeyError{Path: keyPath}
			}
			seen[key] = true
			if err := tokenWalkJSON(dec, keyPath, depth); err != nil {
				return err
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			if err := tokenWalkJSON(dec, path+"["+strconv.Itoa(i)+"]", depth); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// jsonKeyCases are bodies checkJSONKeys must read as tokenCheckJSONKeys
// does: duplicates at every depth and in every position, escaped and
// invalid UTF-8 keys, the nesting limit, and syntax errors before and
// after a duplicate.
var jsonKeyCases = []string{
	``, ` `, `{}`, `[]`, `{"a":1}`, `{"a":1,"a":2}`, `{"a":1,"b":{"c":[1,{"d":2,"d":3}]}}`,
	`[{"a":1},{"a":1,"a":1}]`, `[[{"x":1,"x":2}]]`, `{"":1,"":2}`, `{"":{"x":1,"x":2}}`, `[{"":{"":{"y":1,"y":2}}}]`,
	`{"a":1,"\u0061":2}`, `{"a\u00e9":1,"aé":2}`, "{\"a\xff\":1,\"a\xfe\":2}", `{"\ud800":1,"\udc00":2}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"a":11}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"j":11}`,
	`{"a":1 "a":2}`, `{"a":1,"a":2`, `{"a":1,"a"}`, `{"a":1,"a":tru}`, `{"a":1,}`, `{"a":1,,"a":2}`, `{,"a":1}`,
	`{"a":01,"a":2}`, `{"a":1.,"a":2}`, `{"a":-,"a":2}`, `{"a":1e,"a":2}`, `{"a":1e+5,"b":-0.5E-3,"a":2}`,
	`{"a":"\x","a":2}`, `{"a":"\u12","a":2}`, "{\"a\":\"\n\",\"a\":2}", "{\"a\":\"\u007f\",\"a\":2}",
	"{\"a\":\"\x1f\",\"a\":2}", "{\"a\":\"\x00\",\"a\":2}", "{\"a\x1f\":1,\"a\x1f\":2}", `{"a":"\/\b\f\r\t\\","a":2}`,
	`{"a":true,"b":false,"c":null,"a":1}`, `{"a":truex,"a":1}`, `{"a":nul}`, `{1:2}`, `{"a" 1}`, `[1,2,]`, `[1 2]`,
	`{"a":1}{"a":1,"a":2}`, `"x"`, `1`, `01`, `-`, `}`, `\ufeff{"a":1,"a":2}`, "{\"a\":1,\r\n\t \"a\":2}",
	strings.Repeat("[", 64) + strings.Repeat("]", 64), strings.Repeat("[", 65) + strings.Repeat("]", 65),
	strings.Repeat("[", 65) + "garbage", strings.Repeat(`{"a":`, 64) + "1" + strings.Repeat("}", 64),
	strings.Repeat(`{"a":`, 65) + "1" + strings.Repeat("}", 65), `{"signed":["<a b=\"1\">\n</a>","x"],"signed":[]}`,
}

// TestCheckJSONKeys holds checkJSONKeys to tokenCheckJSONKeys on
// jsonKeyCases: the same error, or both none.
func TestCheckJSONKeys(t *testing.T) {
	dups := 0
	for _, body := range jsonKeyCases {
		want, got := tokenCheckJSONKeys([]byte(body)), checkJSONKeys([]byte(body))
		assert.Equal(t, want, got, "%q", body)
		var dup *duplicateKeyError
		if errors.As(want, &dup) {
			dups++
		}
	}
	require.Greater(t, dups, 20, "the cases find duplicates")
	assert.Equal(t, &duplicateKeyError{Path: "b.c[1].d"}, checkJSONKeys([]byte(`{"a":1,"b":{"c":[1,{"d":2,"d":3}]}}`)))
	assert.Equal(t, errJSONTooDeep, checkJSONKeys([]byte(strings.Repeat("[", 65))))
}

// TestCheckJSONKeysReadsInPlace: a body is read without copying it, in
// time linear in its size — a bulk import is megabytes of objects whose
// values are numbers and literals.
func TestCheckJSONKeysReadsInPlace(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	for i := range 2000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"active":true,"blocked":false,"note":null,"n":-12.5e3,"name":"x"}`)
	}
	b.WriteString("]")
	body := []byte(b.String())
	require.NoError(t, checkJSONKeys(body))
	allocs := testing.AllocsPerRun(5, func() { _ = checkJSONKeys(body) })
	assert.LessOrEqual(t, allocs, 10.0, "allocations for 2,000 objects")
}

// FuzzCheckJSONKeys holds checkJSONKeys to tokenCheckJSONKeys on any
// input.
func FuzzCheckJSONKeys(f *testing.F) {
	for _, body := range jsonKeyCases {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want, got := tokenCheckJSONKeys(data), checkJSONKeys(data)
		if !assert.ObjectsAreEqual(want, got) {
			t.Fatalf("%q: tokenCheckJSONKeys %v, checkJSONKeys %v", data, want, got)
		}
	})
}

// BenchmarkCheckJSONKeys: a registration's step 3 body, two signed
// agreements as JSON strings.
func BenchmarkCheckJSONKeys(b *testing.B) {
	doc := strings.Repeat(`<p title=\"\u0421\u043e\u0433\u043b\u0430\u0448\u0435\u043d\u0438\u0435\">Текст соглашения</p>\n`, 60)
	body := []byte(`{"signed":["` + doc + `","` + doc + `"]}`)
	require.NoError(b, json.Unmarshal(body, new(map[string][]string)))
	for _, c := range []struct {
		name  string
		check func([]byte) error
	}{{"checkJSONKeys", checkJSONKeys}, {"Decoder.Token", tokenCheckJSONKeys}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.check(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
