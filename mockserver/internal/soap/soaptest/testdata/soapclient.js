// soapclient.js drives the ESF mock's SOAP services through node-soap, a
// client that builds every request from the services' WSDLs, the way
// integrators' code does. The Go helper RunNodeClient
// (mockserver/internal/soap/nodeclient.go) runs it; by hand:
//
//   NODE_PATH=<dir>/node_modules node soapclient.js BASE IIN PASSWORD TIN
//
// BASE is the server's base URL (the WSDLs are read from
// BASE/esf-web/ws/api1/{Version,Auth,Session}Service?wsdl).
//
// Protocol on stdio, one JSON document a line:
//   1. the script prints {"ticket": "<authTicketXml>"} after createAuthTicket;
//   2. it reads one line from stdin: the signed ticket as a JSON string;
//   3. it prints {"result": {...}} at the end, or {"error": "..."} and exits 1.
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

async function main() {
  const [base, iin, password, tin] = process.argv.slice(2);
  if (!base || !iin || password === undefined || !tin) {
    throw new Error('usage: soapclient.js BASE IIN PASSWORD TIN');
  }
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
  emit({ ticket: out.authTicketXml });
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

  emit({ result: out });
}

main().then(
  () => {
    rl.close();
  },
  (err) => {
    emit({ error: String((err && err.stack) || err), detail: fault(err) });
    rl.close();
    process.exitCode = 1;
  },
);
