// soapclient.js drives ESF SOAP services through node-soap, a client that
// builds every request from the services' WSDLs, the way integrators' code
// does. It runs the session flow against each of several targets in turn,
// in one process. The Go helper RunNodeClient
// (mockserver/internal/soap/soaptest/nodeclient.go) runs it; by hand:
//
//   NODE_PATH=<dir>/node_modules node soapclient.js TARGETS
//
// TARGETS is a JSON array of {"label", "base", "iin", "password", "tin"}:
// label names the target in the messages below, base is the server's base
// URL (the WSDLs are read from
// BASE/esf-web/ws/api1/{Version,Auth,Session}Service?wsdl).
//
// Protocol on stdio, one JSON document a line, per target in the order
// given:
//   1. the script prints {"label": L, "ticket": "<authTicketXml>"} after
//      createAuthTicket;
//   2. it reads one line from stdin: the signed ticket as a JSON string;
//   3. it prints {"label": L, "result": {...}} at the end of the flow, or
//      {"label": L, "error": "...", "detail": {...}} and goes on with the
//      next target.
// The exit status is 1 when a target failed or the arguments are wrong
// (then {"error": "..."} without a label).
//
// The flow: getVersion → createAuthTicket(iin) → createSessionSigned(tin,
// signedAuthTicket) with a WS-Security UsernameToken → currentUser →
// currentUserProfiles → currentSessionStatus → closeSession (UsernameToken)
// → currentUser again, which must fail with a fault. Every request
// node-soap sent is returned under "requests", keyed by operation.
'use strict';

const readline = require('readline');
const soap = require('soap');

const rl = readline.createInterface({ input: process.stdin, terminal: false });
const lines = rl[Symbol.asyncIterator]();

async function readLine() {
  const { value, done } = await lines.next();
  if (done) {
    throw new Error('stdin closed before the signed ticket arrived');
  }
  return value;
}

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

// call runs one operation and records what was sent and received.
async function call(out, client, op, args) {
  const method = client[op + 'Async'];
  if (typeof method !== 'function') {
    throw new Error(`the ${op} operation is not in the WSDL`);
  }
  try {
    const [result] = await method.call(client, args);
    out.requests[op] = client.lastRequest;
    out.responses[op] = client.lastResponse;
    return result;
  } catch (err) {
    out.requests[op] = client.lastRequest;
    throw err;
  }
}

// fault describes a failed call: the parsed SOAP fault when there is one.
function fault(err) {
  const body = err && err.root && err.root.Envelope && err.root.Envelope.Body;
  return {
    message: String(err && err.message),
    status: err && err.response ? err.response.status : undefined,
    fault: body ? body.Fault : undefined,
  };
}

// flow runs the session flow against one target and returns its result.
async function flow({ label, base, iin, password, tin }) {
  const api = base.replace(/\/+$/, '') + '/esf-web/ws/api1/';
  const out = { requests: {}, responses: {}, node: process.version };

  const versionClient = await soap.createClientAsync(api + 'VersionService?wsdl');
  const authClient = await soap.createClientAsync(api + 'AuthService?wsdl');
  const sessionClient = await soap.createClientAsync(api + 'SessionService?wsdl');
  out.operations = {
    VersionService: Object.keys(versionClient.describe().VersionService.VersionServicePort),
    AuthService: Object.keys(authClient.describe().AuthService.AuthServicePort),
    SessionService: Object.keys(sessionClient.describe().SessionService.SessionServicePort),
  };

  out.version = await call(out, versionClient, 'getVersion', {});

  const ticket = await call(out, authClient, 'createAuthTicket', { iin });
  out.authTicketXml = ticket && ticket.authTicketXml;
  emit({ label, ticket: out.authTicketXml });
  const signed = JSON.parse(await readLine());

  // The UsernameToken the real service wants: IIN and account password in
  // clear, no nonce, no timestamp.
  const wsse = new soap.WSSecurity(iin, password, {
    hasTimeStamp: false,
    hasTokenCreated: false,
    hasNonce: false,
  });

  sessionClient.setSecurity(wsse);
  const created = await call(out, sessionClient, 'createSessionSigned', {
    tin,
    signedAuthTicket: signed,
  });
  out.sessionId = created && created.sessionId;
  sessionClient.setSecurity(null);

  const sessionId = out.sessionId;
  out.user = await call(out, sessionClient, 'currentUser', { sessionId });
  out.profiles = await call(out, sessionClient, 'currentUserProfiles', { sessionId });
  out.status = await call(out, sessionClient, 'currentSessionStatus', { sessionId });

  sessionClient.setSecurity(wsse);
  out.closed = await call(out, sessionClient, 'closeSession', { sessionId });
  sessionClient.setSecurity(null);

  try {
    out.afterClose = { result: await call(out, sessionClient, 'currentUser', { sessionId }) };
  } catch (err) {
    out.afterClose = fault(err);
  }
  return out;
}

function parseTargets(arg) {
  const usage = 'usage: soapclient.js \'[{"label":…,"base":…,"iin":…,"password":…,"tin":…}, …]\'';
  let targets;
  try {
    targets = JSON.parse(arg);
  } catch (err) {
    throw new Error(`${usage}: ${err.message}`);
  }
  if (!Array.isArray(targets) || targets.length === 0) {
    throw new Error(usage);
  }
  for (const t of targets) {
    if (!t || !t.label || !t.base || !t.iin || typeof t.password !== 'string' || !t.tin) {
      throw new Error(`${usage}: incomplete target ${JSON.stringify(t)}`);
    }
  }
  return targets;
}

async function main() {
  const targets = parseTargets(process.argv[2]);
  let failed = false;
  for (const target of targets) {
    try {
      emit({ label: target.label, result: await flow(target) });
    } catch (err) {
      emit({ label: target.label, error: String((err && err.stack) || err), detail: fault(err) });
      failed = true;
    }
  }
  if (failed) {
    process.exitCode = 1;
  }
}

main().then(
  () => {
    rl.close();
  },
  (err) => {
    emit({ error: String((err && err.stack) || err) });
    rl.close();
    process.exitCode = 1;
  },
);
