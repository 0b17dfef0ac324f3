package sqlstore

import (
	"bytes"
	"sync"
)

// memoSize bounds decodeMemo: at most this many decoded rows (an account's
// JSON is a few KB, so a few MB in all).
const memoSize = 4096

// decodeMemo remembers, across transactions, the values decoded from the
// rows read last of the types that copy themselves (esfreg.Account): a
// session's calls read the same account in one transaction after
// another, and decoding its JSON cost more than the read. An entry is
// used only when the row read now has exactly the bytes it was decoded
// from — decoding is a function of those bytes — so what another
// transaction, process or replica wrote meanwhile is always seen. Values
// go in and come out as copies.
type decodeMemo struct {
	mu sync.Mutex
	m  map[seenKey]memoEntry
}

type memoEntry struct {
	data  []byte
	value any
}

// get returns the value decoded from data for k, if remembered.
func (m *decodeMemo) get(k seenKey, data []byte) (any, bool) {
	m.mu.Lock()
	e, ok := m.m[k]
	m.mu.Unlock()
	if !ok || !bytes.Equal(e.data, data) {
		return nil, false
	}
	return e.value, true
}

// put remembers value, decoded from data, for k; data and value must
// not change afterwards. When full it forgets an entry at random.
func (m *decodeMemo) put(k seenKey, data []byte, value any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = make(map[seenKey]memoEntry)
	}
	if _, ok := m.m[k]; !ok && len(m.m) >= memoSize {
		for old := range m.m {
			delete(m.m, old)
			break
		}
	}
	m.m[k] = memoEntry{data: data, value: value}
}
