// Package archtest holds the test that keeps the module's shape: imports
// point one way (gost ← certs ← xmlsig ← agreement ← esfreg ← mockserver ←
// cmd) and each third-party dependency stays in the package that owns it.
package archtest
