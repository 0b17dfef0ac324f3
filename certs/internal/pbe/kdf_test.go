package pbe

import (
	"bytes"
	"crypto"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func mustBMP(t testing.TB, pin string) []byte {
	t.Helper()
	b, err := BMPPassword(pin)
	if err != nil {
		t.Fatalf("BMPPassword(%q): %v", pin, err)
	}
	return b
}

func TestBMPPassword(t *testing.T) {
	tests := []struct {
		name string
		pin  string
		want string // hex
	}{
		// RFC 7292 B.1 / OpenSSL: the empty password is the terminator alone.
		{"empty", "", "0000"},
		{"ascii", "1234", "00310032003300340000"},
		{"cyrillic and kazakh", "Қаз", "049a043004370000"},
		{"bmp edge", "\uffff", "ffff0000"},
		{"embedded nul", "a\x00b", "0061000000620000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BMPPassword(tt.pin)
			if err != nil {
				t.Fatalf("BMPPassword(%q): %v", tt.pin, err)
			}
			if want := mustHex(t, tt.want); !bytes.Equal(got, want) {
				t.Errorf("BMPPassword(%q) = %x, want %x", tt.pin, got, want)
			}
		})
	}

	bad := []struct {
		name, pin, wantMsg string
	}{
		{"outside bmp", "ab😀", "U+1F600"},
		{"invalid utf-8", "ab\xff", "not valid UTF-8"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := BMPPassword(tt.pin)
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("BMPPassword(%q) error = %v, want one mentioning %q", tt.pin, err, tt.wantMsg)
			}
		})
	}
}

// longPIN is longer than one 64-byte block when BMP-encoded, so I = S || P
// spans several blocks.
const longPIN = "Пароль-ключ-для-НУЦ-РК-очень-длинный-пароль-больше-64-байт!!"

// TestKeyKnownAnswers checks Key against fixed vectors. The first is the
// classic PKCS#12 KDF test vector ("smeg"); every vector was reproduced
// independently with OpenSSL 3.0:
//
//	openssl kdf -keylen N -kdfopt digest:H -kdfopt hexpass:<BMP password> \
//	    -kdfopt hexsalt:S -kdfopt iter:R -kdfopt id:ID PKCS12KDF
func TestKeyKnownAnswers(t *testing.T) {
	tests := []struct {
		name       string
		hash       crypto.Hash
		id         byte
		password   []byte
		salt       string
		iterations int
		want       string
	}{
		{"smeg key", crypto.SHA1, 1, mustBMP(t, "smeg"), "0a58cf64530d823f", 1,
			"8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3"},
		{"smeg iv", crypto.SHA1, 2, mustBMP(t, "smeg"), "0a58cf64530d823f", 1,
			"79993dfe048d3b76"},
		{"nca mac key sha1 1024", crypto.SHA1, 3, mustBMP(t, "1234"), "00ab623ca26e959c", 1024,
			"88e1cb0265f26799ee534be483216575b5504424"},
		{"openssl3 mac key sha256 2048", crypto.SHA256, 3, mustBMP(t, "1234"), "8cf70245216ad8bd", 2048,
			"477253083ec25aca9afeacbdebe642546361f649db55d146b8719db78edaa40d"},
		{"sha512 long password odd salt 100 bytes", crypto.SHA512, 1, mustBMP(t, longPIN),
			"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223", 3,
			"f40e83e186254294ecffd7f31983d474efee54916357c5b66118496e9034bd3618003d460e08678a835dda2c8834836c4cc3e2614763695c6fc5d9a846b2ff861fb760dac6bc1880f6302abaeedf9a4d38e1846e8980374ab093de182f1020627be3194c"},
		{"sha1 empty password empty salt 3 blocks", crypto.SHA1, 2, mustBMP(t, ""), "", 5,
			"45bcb22895bcb6888a9102d78a7c7199ea6df2d0bee498e1353e97dd9dbbc80d21c7668c846665a971eb0b8519e1a257b829b21718f53aecacdd3503"},
		{"sha224 zero-length password", crypto.SHA224, 1, nil, "0a58cf64530d823f", 7,
			"345cecc3b7390bbb7b3931fc5d07fa5a61dea5c9177415f2"},
		{"sha384 one-byte salt", crypto.SHA384, 1, mustBMP(t, "1234"), "ff", 1,
			"087d973742a0754b3b2c20892318df9e50a7d79b1c1cffb5af02c7a4df80196e97e23524f5066a7999ade605ced351cc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := mustHex(t, tt.want)
			got := Key(tt.hash, tt.id, tt.password, mustHex(t, tt.salt), tt.iterations, len(want))
			if !bytes.Equal(got, want) {
				t.Errorf("Key = %x\n       want %x", got, want)
			}
			// A shorter request is a prefix of a longer one.
			if short := Key(tt.hash, tt.id, tt.password, mustHex(t, tt.salt), tt.iterations, len(want)/2); !bytes.Equal(short, want[:len(want)/2]) {
				t.Errorf("Key(size %d) = %x, want prefix %x", len(want)/2, short, want[:len(want)/2])
			}
		})
	}
}

func TestKeyEdgeCases(t *testing.T) {
	t.Run("size zero", func(t *testing.T) {
		if got := Key(crypto.SHA1, 1, mustBMP(t, "x"), []byte{1}, 1, 0); len(got) != 0 {
			t.Errorf("Key(size 0) = %x, want empty", got)
		}
	})
	t.Run("does not modify inputs", func(t *testing.T) {
		pw, salt := mustBMP(t, "1234"), []byte{1, 2, 3, 4, 5, 6, 7, 8}
		pw0, salt0 := bytes.Clone(pw), bytes.Clone(salt)
		Key(crypto.SHA256, 1, pw, salt, 3, 100)
		if !bytes.Equal(pw, pw0) || !bytes.Equal(salt, salt0) {
			t.Error("Key modified its password or salt argument")
		}
	})
	panics := []struct {
		name string
		f    func()
	}{
		{"unavailable hash", func() { Key(crypto.MD4, 1, nil, nil, 1, 8) }},
		{"zero iterations", func() { Key(crypto.SHA1, 1, nil, nil, 0, 8) }},
		{"negative size", func() { Key(crypto.SHA1, 1, nil, nil, 1, -1) }},
	}
	for _, tt := range panics {
		t.Run("panics on "+tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("Key did not panic")
				}
			}()
			tt.f()
		})
	}
}

// TestKeyMatchesOpenSSL compares Key with OpenSSL's PKCS12KDF for random
// parameters, every hash and every ID.
func TestKeyMatchesOpenSSL(t *testing.T) {
	openssl := requireOpenSSL(t)
	if err := exec.Command(openssl, "kdf", "-help").Run(); err != nil {
		t.Skipf("skipping: this openssl has no kdf command (needs OpenSSL 3): %v", err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	hashes := []struct {
		h    crypto.Hash
		name string
	}{
		{crypto.SHA1, "SHA1"}, {crypto.SHA224, "SHA224"}, {crypto.SHA256, "SHA256"},
		{crypto.SHA384, "SHA384"}, {crypto.SHA512, "SHA512"},
	}
	for _, hh := range hashes {
		for id := byte(1); id <= 3; id++ {
			password := make([]byte, rng.IntN(150)+1) // non-empty: OpenSSL's hexpass wants bytes
			salt := make([]byte, rng.IntN(150)+1)
			for i := range password {
				password[i] = byte(rng.Uint32())
			}
			for i := range salt {
				salt[i] = byte(rng.Uint32())
			}
			iterations := rng.IntN(50) + 1
			size := rng.IntN(200) + 1
			name := fmt.Sprintf("%s id%d pw%d salt%d iter%d size%d", hh.name, id, len(password), len(salt), iterations, size)
			t.Run(name, func(t *testing.T) {
				out, err := exec.Command(openssl, "kdf",
					"-keylen", fmt.Sprint(size),
					"-kdfopt", "digest:"+hh.name,
					"-kdfopt", "hexpass:"+hex.EncodeToString(password),
					"-kdfopt", "hexsalt:"+hex.EncodeToString(salt),
					"-kdfopt", fmt.Sprintf("iter:%d", iterations),
					"-kdfopt", fmt.Sprintf("id:%d", id),
					"PKCS12KDF").CombinedOutput()
				if err != nil {
					t.Skipf("skipping: openssl kdf PKCS12KDF failed: %v\n%s", err, out)
				}
				want := mustHex(t, strings.ToLower(strings.NewReplacer(":", "", "\n", "").Replace(string(out))))
				if got := Key(hh.h, id, password, salt, iterations, size); !bytes.Equal(got, want) {
					t.Errorf("Key = %x\nopenssl %x", got, want)
				}
			})
		}
	}
}

// BenchmarkKey measures one derivation with NCA's parameters: SHA-1, 1024
// iterations, a 24-byte triple-DES key.
func BenchmarkKey(b *testing.B) {
	password := mustBMP(b, "123456")
	salt := []byte{0x00, 0xab, 0x62, 0x3c, 0xa2, 0x6e, 0x95, 0x9c}
	b.ReportAllocs()
	for b.Loop() {
		Key(crypto.SHA1, 1, password, salt, 1024, 24)
	}
}
