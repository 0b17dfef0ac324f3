package mockserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
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

// checkJSONKeys walks a JSON document and refuses an object with a key
// twice (encoding/json would silently keep the last) and nesting deeper
// than maxJSONDepth. Syntax errors are left to the decoder that follows.
func checkJSONKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err := walkJSON(dec, "", 0)
	if err == io.EOF {
		return nil
	}
	var dup *duplicateKeyError
	if errors.As(err, &dup) || errors.Is(err, errJSONTooDeep) {
		return err
	}
	return nil // a syntax error: the decoder reports it with its offset
}

var errJSONTooDeep = fmt.Errorf("JSON nested deeper than %d levels", maxJSONDepth)

// walkJSON reads one value at path.
func walkJSON(dec *json.Decoder, path string, depth int) error {
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
			if err := walkJSON(dec, keyPath, depth); err != nil {
				return err
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			if err := walkJSON(dec, path+"["+strconv.Itoa(i)+"]", depth); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}
