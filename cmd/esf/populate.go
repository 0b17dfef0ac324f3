package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/esfkit/esf/mockserver"
)

// populateReport is the JSON line esf mock populate prints.
type populateReport struct {
	Accounts  int     `json:"accounts"`
	Seed      string  `json:"seed"`
	From      int     `json:"from"`
	FirstIIN  string  `json:"first_iin"`
	LastIIN   string  `json:"last_iin"`
	Password  string  `json:"password"`
	Batches   int     `json:"batches"`
	Elapsed   float64 `json:"elapsed_s"`
	PerSecond float64 `json:"per_second"`
	Prep      float64 `json:"prep_s"`
	// With --server-pid: the CPU time the mock and this process spent
	// importing.
	ServerCPU           *float64 `json:"server_cpu_s,omitempty"`
	ServerCPUPerAccount *float64 `json:"server_cpu_ms_per_account,omitempty"`
	ClientCPU           *float64 `json:"client_cpu_s,omitempty"`
}

// maxPopulateBatch bounds --batch: 5,000 accounts are some 2.8 MB, more
// than a mock takes by default (--max-body 1 MiB: ~1,800 accounts).
const maxPopulateBatch = 5000

// mockPopulate implements "esf mock populate".
func mockPopulate(ctx context.Context, fs *flagSet, args []string, stdout, _ io.Writer) error {
	base := fs.String("url", "", "the mock's base `URL`, such as http://127.0.0.1:8080 (required)")
	n := fs.Int("accounts", 0, "how many accounts to add, `N` ≥ 1 (required)")
	seed := fs.String("seed", defaultPopulateSeed, "the identities' `seed`")
	from := fs.Int("from", 0, "the first identity's `index` (0..9999999)")
	password := fs.String("password", defaultSandboxPassword, "every account's `password`")
	batch := fs.Int("batch", 1000, "accounts per import call, `B` (1..5000); each call's body must fit the mock's --max-body (1 MiB by default: ~1,800 accounts)")
	token := fs.String("control-token", "", "the control API's bearer `TOKEN`; default: $"+envControlToken+", else none (a mock on loopback needs none)")
	serverPID := fs.Int("server-pid", 0, "the mock's process `ID` on this machine (Linux): report the CPU time it and esf spent importing, from /proc")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) > 0:
		return fmt.Errorf("%w: esf mock populate takes no arguments, got %q", errUsage, rest)
	case *n < 1 || *n > maxIdentity:
		return fmt.Errorf("%w: --accounts %d: want 1..%d (--accounts is required)", errUsage, *n, maxIdentity)
	case *from < 0 || *from+*n > maxIdentity:
		return fmt.Errorf("%w: --from %d: identities %d..%d do not fit in 0..%d", errUsage, *from, *from, *from+*n-1, maxIdentity-1)
	case *batch < 1 || *batch > maxPopulateBatch:
		return fmt.Errorf("%w: --batch %d: want 1..%d", errUsage, *batch, maxPopulateBatch)
	case *seed == "":
		return fmt.Errorf("%w: --seed: want a non-empty seed", errUsage)
	}
	if err := parseSandboxURL(*base); err != nil {
		return err
	}
	if err := checkPassword(*password); err != nil {
		return err
	}
	if err := checkPID(*serverPID); err != nil {
		return err
	}

	sb, err := dialSandbox(ctx, *base, controlToken(*token), 1)
	if err != nil {
		return err
	}
	prepStart := time.Now()
	ids, err := identities(*seed, *from, *n)
	if err != nil {
		return err
	}
	list := make([]mockserver.AccountImport, len(ids))
	for k, id := range ids {
		list[k] = id.accountImport(*password)
	}
	rep := populateReport{Accounts: *n, Seed: *seed, From: *from, FirstIIN: ids[0].IIN, LastIIN: ids[len(ids)-1].IIN,
		Password: *password, Prep: seconds(time.Since(prepStart))}

	cpu, err := startCPU(*serverPID)
	if err != nil {
		return err
	}
	start := time.Now()
	for k := 0; k < len(list); k += *batch {
		end := min(k+*batch, len(list))
		if _, err := sb.ctl.ImportAccounts(ctx, list[k:end]...); err != nil {
			return fmt.Errorf("importing identities %d..%d: %w (the %d accounts before them are added)", *from+k, *from+end-1, err, k)
		}
		rep.Batches++
	}
	elapsed := time.Since(start)
	rep.Elapsed = seconds(elapsed)
	rep.PerSecond = round2(float64(*n) / elapsed.Seconds())
	if cpu != nil {
		server, client, err := cpu.stop()
		if err != nil {
			return err
		}
		rep.ServerCPU, rep.ClientCPU = ptr(seconds(server)), ptr(seconds(client))
		rep.ServerCPUPerAccount = ptr(round2(float64(server) / float64(time.Millisecond) / float64(*n)))
	}
	line, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", line)
	return err
}
