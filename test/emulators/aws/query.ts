// The AWS Query protocol as the front needs it: which service and action a signed request is for,
// its parameters, and error answers shaped like AWS's own.
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

export interface AwsRequest {
  /** From the SigV4 credential scope (`ec2`, `sts`, `iam`); moto routes on it too. */
  service: string;
  region: string;
  accessKeyId: string;
  action: string;
  params: URLSearchParams;
}

const SCOPE = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

/** Reads service, region, action and parameters from a query-protocol request (POST form or GET). */
export function parseRequest(url: string, headers: IncomingHttpHeaders, body: Buffer): AwsRequest {
  const query = new URL(url, "http://front").searchParams;
  const scope = SCOPE.exec(String(headers.authorization ?? "")) ?? SCOPE.exec(`Credential=${query.get("X-Amz-Credential") ?? ""}`);
  const form = String(headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")
    ? new URLSearchParams(body.toString("utf8"))
    : new URLSearchParams();
  for (const [k, v] of query) if (!form.has(k)) form.append(k, v);
  return {
    service: scope?.[3] ?? "",
    region: scope?.[2] ?? "",
    accessKeyId: scope?.[1] ?? "",
    action: form.get("Action") ?? "",
    params: form,
  };
}

/** Values of a query list parameter (`InstanceId.1`, `InstanceId.2`, …). */
export function listParam(params: URLSearchParams, name: string): string[] {
  const out: string[] = [];
  for (let i = 1; params.has(`${name}.${i}`); i++) out.push(params.get(`${name}.${i}`)!);
  return out;
}

export interface AwsErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An error answer in the service's own XML: EC2's `<Response><Errors>` or the query services' `<ErrorResponse>`. */
export function awsError(service: string, status: number, code: string, message: string): AwsErrorAnswer {
  const requestId = randomUUID();
  const body =
    service === "ec2"
      ? `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
      : `<ErrorResponse xmlns="https://${service}.amazonaws.com/doc/${service === "sts" ? "2011-06-15" : "2010-05-08"}/"><Error><Type>${status >= 500 ? "Receiver" : "Sender"}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return { status, headers: { "content-type": "text/xml;charset=UTF-8", "x-amzn-requestid": requestId }, body };
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
