package pbe

import (
	"bytes"
	"strings"
	"testing"
)

// TestRC2Vectors runs the eight test vectors of RFC 2268 section 5 both ways.
func TestRC2Vectors(t *testing.T) {
	tests := []struct {
		name          string
		key           string
		effectiveBits int
		plaintext     string
		ciphertext    string
	}{
		{"1 zero key 63 bits", "0000000000000000", 63, "0000000000000000", "ebb773f993278eff"},
		{"2 ones key 64 bits", "ffffffffffffffff", 64, "ffffffffffffffff", "278b27e42e2f0d49"},
		{"3 pattern 64 bits", "3000000000000000", 64, "1000000000000001", "30649edf9be7d2c2"},
		{"4 one-byte key 64 bits", "88", 64, "0000000000000000", "61a8a244adacccf0"},
		{"5 seven-byte key 64 bits", "88bca90e90875a", 64, "0000000000000000", "6ccf4308974c267f"},
		{"6 sixteen-byte key 64 bits", "88bca90e90875a7f0f79c384627bafb2", 64, "0000000000000000", "1a807d272bbe5db1"},
		{"7 sixteen-byte key 128 bits", "88bca90e90875a7f0f79c384627bafb2", 128, "0000000000000000", "2269552ab0f85ca6"},
		{"8 33-byte key 129 bits", "88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e", 129, "0000000000000000", "5b78d3a43dfff1f1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewRC2Cipher(mustHex(t, tt.key), tt.effectiveBits)
			if err != nil {
				t.Fatalf("NewRC2Cipher: %v", err)
			}
			if c.BlockSize() != 8 {
				t.Errorf("BlockSize() = %d, want 8", c.BlockSize())
			}
			pt, ct := mustHex(t, tt.plaintext), mustHex(t, tt.ciphertext)
			got := make([]byte, 8)
			c.Encrypt(got, pt)
			if !bytes.Equal(got, ct) {
				t.Errorf("Encrypt = %x, want %x", got, ct)
			}
			c.Decrypt(got, ct)
			if !bytes.Equal(got, pt) {
				t.Errorf("Decrypt = %x, want %x", got, pt)
			}
			// In place.
			buf := bytes.Clone(pt)
			c.Encrypt(buf, buf)
			c.Decrypt(buf, buf)
			if !bytes.Equal(buf, pt) {
				t.Errorf("in-place round trip = %x, want %x", buf, pt)
			}
		})
	}
}

func TestRC2PiTableIsPermutation(t *testing.T) {
	var seen [256]bool
	for _, b := range piTable {
		if seen[b] {
			t.Fatalf("piTable repeats %#02x", b)
		}
		seen[b] = true
	}
}

func TestNewRC2CipherErrors(t *testing.T) {
	tests := []struct {
		name          string
		keyLen        int
		effectiveBits int
		wantMsg       string
	}{
		{"empty key", 0, 40, "key is 0 bytes"},
		{"key too long", 129, 1024, "key is 129 bytes"},
		{"zero effective bits", 5, 0, "0 effective key bits"},
		{"too many effective bits", 5, 1025, "1025 effective key bits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRC2Cipher(make([]byte, tt.keyLen), tt.effectiveBits)
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("NewRC2Cipher error = %v, want one mentioning %q", err, tt.wantMsg)
			}
		})
	}
	t.Run("short block panics", func(t *testing.T) {
		c, err := NewRC2Cipher([]byte{1, 2, 3, 4, 5}, 40)
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if recover() == nil {
				t.Error("Encrypt of a 7-byte block did not panic")
			}
		}()
		c.Encrypt(make([]byte, 8), make([]byte, 7))
	})
}
