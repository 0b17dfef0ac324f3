#!/usr/bin/env python3
"""A zeep client built from KGD's real InvoiceService.wsdl and
UploadInvoiceService.wsdl, its service address pointed at the mock, runs
an invoice's life: syncInvoice, polling queryInvoiceSummaryById until
CREATED, queryInvoiceById, confirmInvoiceById as the customer,
revokeInvoiceById as the seller, unrevokeInvoiceById as the customer,
then queryInvoiceHistoryById, queryUpdates and a closed session's fault.

Run by TestZeepInvoiceClient (zeep_test.go). It talks to the Go test over
standard input and output, one JSON object a line: it asks
{"op": "invoice"} for a signed invoice, {"op": "sign", "as": ...,
"items": [[id, reason]]} for a status change's signature and
{"op": "advance", "seconds": n} to move the mock's clock, and ends with
{"op": "result", ...}. Everything else goes to standard error.
"""
import json
import sys

import zeep
from zeep.exceptions import Fault


def ask(msg):
    print(json.dumps(msg), flush=True)
    line = sys.stdin.readline()
    if not line:
        raise SystemExit("the Go test went away")
    return json.loads(line)


def items(v, name):
    """The repeated element name of a response part. zeep unwraps a
    response whose only child is a list to the list itself, and reads an
    empty list as None."""
    if v is None:
        return []
    if isinstance(v, list):
        return v
    return getattr(v, name) or []


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def main():
    cfg = ask({"op": "config"})
    settings = zeep.Settings(strict=True)
    inv_client = zeep.Client(cfg["invoiceWsdl"], settings=settings)
    up_client = zeep.Client(cfg["uploadWsdl"], settings=settings)
    inv = inv_client.create_service("{esf}InvoiceServiceSoapBinding", cfg["base"] + "/esf-web/ws/api1/InvoiceService")
    up = up_client.create_service("{esf}UploadInvoiceServiceSoapBinding", cfg["base"] + "/esf-web/ws/api1/UploadInvoiceService")
    seller, customer = cfg["seller"], cfg["customer"]
    result = {"op": "result", "operations": sorted(inv_client.service._binding._operations.keys()) +
              sorted(up_client.service._binding._operations.keys())}

    # syncInvoice: one invoice, signed by the seller.
    signed = ask({"op": "invoice"})
    res = up.syncInvoice(sessionId=seller, invoiceUploadInfoList={"invoiceUploadInfo": [{
        "invoiceBody": signed["body"], "version": "InvoiceV2",
        "signature": signed["signature"], "signatureType": signed["signatureType"]}]},
        x509Certificate=signed["certificate"])
    accepted = res.acceptedSet.standardResponse
    # zeep reads an empty <declinedSet/> as None.
    assert len(accepted) == 1 and not (res.declinedSet and res.declinedSet.standardResponse), res
    inv_id = accepted[0].id
    result["id"] = inv_id
    result["num"] = accepted[0].num

    # Poll until registered, the mock's clock moved a second at a time.
    statuses = []
    for _ in range(10):
        summ = inv.queryInvoiceSummaryById(sessionId=seller, idList={"id": [inv_id]})
        s = items(summ, "invoiceSummary")[0]
        if not statuses or statuses[-1] != s.invoiceStatus:
            statuses.append(s.invoiceStatus)
        if s.invoiceStatus in ("CREATED", "FAILED"):
            result["registrationNumber"] = s.registrationNumber
            break
        ask({"op": "advance", "seconds": 1})
    result["statuses"] = statuses

    # The customer reads it with its body.
    got = inv.queryInvoiceById(sessionId=customer, idList={"id": [inv_id]})
    info = items(got.invoiceInfoList, "invoiceInfo")[0]
    result["rsCount"] = got.rsCount
    result["bodySame"] = info.invoiceBody == signed["body"]
    result["signatureValid"] = info.signatureValid
    result["inputDate"] = info.inputDate.isoformat()

    conf = inv.confirmInvoiceById(sessionId=customer, idList={"id": [inv_id]})
    result["confirmed"] = items(conf, "invoiceSummary")[0].invoiceStatus

    def change(op, session, who, reason):
        sig = ask({"op": "sign", "as": who, "items": [[inv_id, reason]]})
        call = getattr(inv, op)
        r = call(sessionId=session, signature=sig["signature"], x509Certificate=sig["certificate"],
                 idWithReasonList={"invoiceIdWithReason": [{"id": inv_id, "reason": reason}]})
        c = items(r, "changeStatusResult")[0]
        return {"isChanged": c.isChanged, "status": c.invoiceSummary.invoiceStatus, "errorCode": c.errorCode}

    result["revoked"] = change("revokeInvoiceById", seller, "seller", "Ошибка в сумме")
    result["unrevoked"] = change("unrevokeInvoiceById", customer, "customer", "Отзыв не согласован")

    hist = inv.queryInvoiceHistoryById(sessionId=seller, idList={"id": [inv_id]})
    result["history"] = [h.status for h in items(hist, "esfHistory")]

    upd = inv.queryUpdates(sessionId=customer, lastEventDate="2018-01-01T00:00:00+05:00", direction="INBOUND",
                           limit=10, fullInfoOnStatusChange=True)
    result["updates"] = [[i.invoiceId, i.invoiceStatus] for i in items(upd.invoiceInfoList, "invoiceInfo")]
    result["updatesLastBlock"] = upd.lastBlock

    try:
        inv.queryInvoiceSummaryById(sessionId="no-such-session", idList={"id": [inv_id]})
        result["fault"] = None
    except Fault as f:
        tag = f.detail[0].tag if f.detail is not None and len(f.detail) else None
        result["fault"] = {"message": f.message, "detail": tag}

    ask(result)


if __name__ == "__main__":
    main()
