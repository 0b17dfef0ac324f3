/*
 * NCALayer client: NCA's desktop signer (or a headless stand-in) over its
 * WebSocket, as ESF-related clients use it — the commonUtils module.
 *
 * On connect NCALayer sends one greeting frame, {"result":{"version":"1.x"}};
 * then each request is one JSON frame and its reply one JSON frame:
 *   {"module":"kz.gov.pki.knca.commonUtils","method":"signXml",
 *    "args":["PKCS12","AUTHENTICATION",xml,"",""]}
 *   → {"responseObject":"<signed xml>","code":"200"}
 *   → {"code":"500","message":"action.canceled"}   (the person cancelled)
 * The text frame "--heartbeat--" is echoed, and ignored here.
 *
 * The addresses are tried in order (the page's data gives them: the mock's
 * --ncalayer-url, or wss://127.0.0.1:13579/ then ws://127.0.0.1:13579/);
 * calls are serialized on one socket, reopened when it closes.
 */
(function (global) {
  'use strict';

  /* NCALayerError.kind: 'unavailable' (no connection, or it closed),
     'canceled' (action.canceled), 'failed' (NCALayer refused), 'protocol'
     (an answer that is not JSON). */
  function NCALayerError(kind, message) {
    this.name = 'NCALayerError';
    this.kind = kind;
    this.message = message;
  }
  NCALayerError.prototype = Object.create(Error.prototype);
  NCALayerError.prototype.constructor = NCALayerError;

  function parse(data) {
    try {
      return JSON.parse(data);
    } catch (e) {
      return null;
    }
  }

  function isGreeting(m) {
    return m !== null && typeof m === 'object' && m.result && typeof m.result === 'object' &&
      m.result.version !== undefined && m.code === undefined;
  }

  function NCALayer(urls, options) {
    options = options || {};
    this.urls = urls && urls.length ? urls.slice() : ['wss://127.0.0.1:13579/', 'ws://127.0.0.1:13579/'];
    this.connectTimeout = options.connectTimeout || 5000;
    this.greetingWait = options.greetingWait || 1500;
    this.replyTimeout = options.replyTimeout || 10 * 60 * 1000;
    this.socket = null;
    this.connecting = null;
    this.pending = null;
    this.queue = Promise.resolve();
    this.version = null;
    this.url = null;
  }

  /* open connects to one address and waits for the greeting (briefly: a
     compatible application may not send one). */
  NCALayer.prototype.open = function (url) {
    var self = this;
    return new Promise(function (resolve, reject) {
      var ws;
      var settled = false;
      var timer;
      try {
        ws = new WebSocket(url);
      } catch (e) {
        reject(e); // a bad URL, or ws:// from an https page
        return;
      }
      function fail(err) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        try { ws.close(); } catch (e) { /* closing anyway */ }
        reject(err);
      }
      function ready() {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.onmessage = function (ev) { self.receive(ev.data); };
        ws.onclose = function () { self.closed(ws); };
        ws.onerror = null;
        resolve(ws);
      }
      timer = setTimeout(function () { fail(new Error('no connection to ' + url)); }, self.connectTimeout);
      ws.onerror = function () { fail(new Error('cannot connect to ' + url)); };
      ws.onclose = function () { fail(new Error('closed: ' + url)); };
      ws.onopen = function () {
        clearTimeout(timer);
        timer = setTimeout(ready, self.greetingWait);
      };
      ws.onmessage = function (ev) {
        var m = parse(ev.data);
        if (isGreeting(m)) self.version = String(m.result.version);
        ready();
      };
    });
  };

  /* connect returns the open socket, connecting first if needed. */
  NCALayer.prototype.connect = function () {
    var self = this;
    if (self.socket && self.socket.readyState === 1) return Promise.resolve(self.socket);
    if (self.connecting) return self.connecting;
    var i = 0;
    var errors = [];
    function attempt() {
      if (i >= self.urls.length) {
        return Promise.reject(new NCALayerError('unavailable', errors.join('; ')));
      }
      var url = self.urls[i++];
      return self.open(url).then(function (ws) {
        self.url = url;
        return ws;
      }, function (err) {
        errors.push(String(err && err.message || err));
        return attempt();
      });
    }
    self.connecting = attempt().then(function (ws) {
      self.socket = ws;
      self.connecting = null;
      return ws;
    }, function (err) {
      self.connecting = null;
      throw err;
    });
    return self.connecting;
  };

  NCALayer.prototype.receive = function (data) {
    if (data === '--heartbeat--') return;
    var m = parse(data);
    if (isGreeting(m)) { // a late greeting
      this.version = String(m.result.version);
      return;
    }
    var p = this.pending;
    this.pending = null;
    if (!p) return;
    clearTimeout(p.timer);
    if (m === null || typeof m !== 'object') {
      p.reject(new NCALayerError('protocol', 'not JSON: ' + String(data).slice(0, 200)));
    } else {
      p.resolve(m);
    }
  };

  NCALayer.prototype.closed = function (ws) {
    if (this.socket === ws) this.socket = null;
    var p = this.pending;
    this.pending = null;
    if (p) {
      clearTimeout(p.timer);
      p.reject(new NCALayerError('unavailable', 'NCALayer closed the connection'));
    }
  };

  /* request sends one request and resolves with its reply; requests wait
     for the one before them. */
  NCALayer.prototype.request = function (req) {
    var self = this;
    function run() {
      return self.connect().then(function (ws) {
        return new Promise(function (resolve, reject) {
          self.pending = {
            resolve: resolve,
            reject: reject,
            timer: setTimeout(function () {
              self.pending = null;
              reject(new NCALayerError('unavailable', 'NCALayer did not answer'));
            }, self.replyTimeout)
          };
          try {
            ws.send(JSON.stringify(req));
          } catch (e) {
            clearTimeout(self.pending.timer);
            self.pending = null;
            reject(new NCALayerError('unavailable', String(e && e.message || e)));
          }
        });
      });
    }
    var result = self.queue.then(run, run);
    self.queue = result.catch(function () { /* the next call runs anyway */ });
    return result;
  };

  /* commonUtils calls a method of kz.gov.pki.knca.commonUtils and resolves
     with its responseObject. */
  NCALayer.prototype.commonUtils = function (method, args) {
    var req = { module: 'kz.gov.pki.knca.commonUtils', method: method };
    if (args) req.args = args;
    return this.request(req).then(function (m) {
      if (m.code === '200') return m.responseObject;
      if (m.message === 'action.canceled') throw new NCALayerError('canceled', m.message);
      throw new NCALayerError('failed', m.message || ('code ' + m.code));
    });
  };

  /* signXml signs a whole XML document with the key of keyType
     ("AUTHENTICATION" or "SIGNATURE") from a PKCS#12 key store, and
     resolves with the signed document. */
  NCALayer.prototype.signXml = function (keyType, xml) {
    return this.commonUtils('signXml', ['PKCS12', keyType, xml, '', '']);
  };

  /* signXmlBy signs a whole XML document through basics.sign with a key
     whose extended key usage (or policies) holds every one of oids, from
     a PKCS#12 key store, and resolves with the signed document. A cancel
     is a success with an empty body. */
  NCALayer.prototype.signXmlBy = function (oids, xml) {
    var req = { module: 'kz.gov.pki.knca.basics', method: 'sign', args: {
      allowedStorages: ['PKCS12'], format: 'xml', data: xml, signingParams: {},
      signerParams: { extKeyUsageOids: oids }, locale: 'ru' } };
    return this.request(req).then(function (m) {
      if (m.status === true) {
        var r = m.body && m.body.result;
        if (Array.isArray(r) && typeof r[0] === 'string' && r[0] !== '') return r[0];
        if (typeof r === 'string' && r !== '') return r;
        throw new NCALayerError('canceled', 'canceled');
      }
      throw new NCALayerError('failed', m.message || m.code || 'failed');
    });
  };

  /* getKeyInfo resolves with the chosen key's certificate information. */
  NCALayer.prototype.getKeyInfo = function () {
    return this.commonUtils('getKeyInfo', ['PKCS12']);
  };

  global.NCALayer = NCALayer;
  global.NCALayerError = NCALayerError;
}(window));
