import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { resolveAzureCredentials } from "../../src/credentials/azure.ts";
import { azureBlobUrl, azurePutBlob, azureSource, explainAzureError } from "../../src/source/azure.ts";
import { azureFetch } from "../../src/source/azure_fetch.ts";
import { azureListBlobs } from "../../src/source/azure_list.ts";
import type { RequestEvent } from "../../src/source/http.ts";
import { type Azurite, serviceSas, startAzurite } from "../_support/azurite.ts";
import { assertCloudFitsError, rejection, rejectsWith } from "../_support/expect_error.ts";
import { recordingFetch } from "../_support/recording_fetch.ts";

function pattern(length: number, seed = 0): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff);
}

let azurite: Azurite;
const container = "fits";
const blobBytes = pattern(10_000);
let account: { account: string; key: string; blobEndpoint: string };

before(async () => {
  azurite = await startAzurite();
  account = { account: azurite.account, key: azurite.key, blobEndpoint: azurite.blobEndpoint };
  const created = await azureFetch(account)(`${azurite.blobEndpoint}/${container}?restype=container`, {
    method: "PUT",
  });
  await created.body?.cancel();
  assert.equal(created.status, 201);
  await azurePutBlob({ ...account, container, blob: "dir/cube.fits", body: blobBytes });
});
after(() => azurite.close());

test("azurePutBlob uploads with one signed BlockBlob PUT and returns the ETag", async () => {
  const { fetch, requests } = recordingFetch();
  const body = pattern(3000, 5);
  const { etag } = await azurePutBlob({
    ...account,
    fetch,
    container,
    blob: "put/one.bin",
    body,
    contentType: "x/y",
  });
  assert.equal(requests.length, 1);
  const [put] = requests;
  assert.equal(put.method, "PUT");
  assert.equal(put.status, 201);
  assert.equal(put.url, `${azurite.blobEndpoint}/${container}/put/one.bin`);
  assert.equal(put.headers.get("x-ms-blob-type"), "BlockBlob");
  assert.equal(put.headers.get("content-type"), "x/y");
  assert.match(put.authorization ?? "", /^SharedKey devstoreaccount1:[A-Za-z0-9+/]{43}=$/);
  const source = azureSource({ ...account, container, blob: "put/one.bin" });
  assert.deepEqual(await source.read(0, 3000), body);
  assert.equal(source.etag, etag);
  assert.match(etag ?? "", /^0x[0-9A-F]+$/);
});

test("SharedKey reads send signed Range GETs with x-ms-version and return the exact bytes", async () => {
  const { fetch, requests } = recordingFetch();
  const events: RequestEvent[] = [];
  const source = azureSource({
    ...account,
    fetch,
    container,
    blob: "dir/cube.fits",
    onRequest: (e) => events.push(e),
  });
  assert.deepEqual(await source.read(100, 2880), blobBytes.slice(100, 2980));
  assert.equal(source.size, 10_000);
  assert.deepEqual(await source.read(9990, 100), blobBytes.slice(9990));
  assert.deepEqual(requests.map((r) => [r.method, r.range, r.status]), [
    ["GET", "bytes=100-2979", 206],
    ["GET", "bytes=9990-9999", 206],
  ]);
  for (const request of requests) {
    assert.equal(request.headers.get("x-ms-version"), "2021-08-06");
    assert.ok(!Number.isNaN(Date.parse(request.headers.get("x-ms-date") ?? "")));
    assert.match(request.authorization ?? "", /^SharedKey devstoreaccount1:/);
  }
  assert.deepEqual(events.map((e) => e.bytes), [2880, 10]);
  assert.equal(source.name, `${azurite.blobEndpoint}/${container}/dir/cube.fits`);
});

test("names with spaces, plus signs and non-ASCII characters round-trip under SharedKey", async () => {
  const blob = "odd names/a+b (1) é.fits";
  const body = pattern(500, 9);
  await azurePutBlob({ ...account, container, blob, body });
  const { fetch, requests } = recordingFetch();
  const source = azureSource({ ...account, fetch, container, blob });
  assert.deepEqual(await source.read(0, 500), body);
  assert.equal(
    requests[0].url,
    `${azurite.blobEndpoint}/${container}/odd%20names/a%2Bb%20(1)%20%C3%A9.fits`,
  );
});

test("a service SAS is appended to the query, never signed over and never shown", async () => {
  const sas = await serviceSas({
    ...account,
    container,
    blob: "dir/cube.fits",
    permissions: "r",
    expiry: new Date(Date.now() + 3600_000),
  });
  const { fetch, requests } = recordingFetch();
  const source = azureSource({
    account: account.account,
    blobEndpoint: account.blobEndpoint,
    sas,
    fetch,
    container,
    blob: "dir/cube.fits",
  });
  assert.deepEqual(await source.read(0, 1000), blobBytes.slice(0, 1000));
  assert.equal(requests.length, 1);
  const [request] = requests;
  assert.equal(request.url, `${azurite.blobEndpoint}/${container}/dir/cube.fits?${sas}`);
  assert.equal(request.authorization, null);
  assert.equal(request.range, "bytes=0-999");
  assert.equal(request.headers.get("x-ms-version"), "2021-08-06");
  assert.ok(!source.name.includes("sig="));

  // The same SAS does not cover another blob, and the failure message does not quote it.
  const signature = new URLSearchParams(sas).get("sig") ?? "";
  const other = azureSource({
    account: account.account,
    blobEndpoint: account.blobEndpoint,
    sas,
    container,
    blob: "put/one.bin",
  });
  const error = await rejectsWith(other.read(0, 10), "FORBIDDEN", undefined, {
    secrets: [signature, "sig="],
  });
  assert.equal(error.status, 403);
});

test("a tampered key is FORBIDDEN with Azure's error code and without the key", async () => {
  const tampered = account.key.replace(/^./, (c) => (c === "A" ? "B" : "A"));
  const source = azureSource({ ...account, key: tampered, container, blob: "dir/cube.fits" });
  // Azure says AuthenticationFailed; Azurite says AuthorizationFailure.
  await rejectsWith(
    source.read(0, 10),
    "FORBIDDEN",
    /\(HTTP 403\): (AuthenticationFailed|AuthorizationFailure): Server failed to authenticate/,
    { secrets: [tampered, account.key] },
  );
});

test("a missing blob is NOT_FOUND and names BlobNotFound", async () => {
  const { fetch, requests } = recordingFetch();
  const source = azureSource({ ...account, fetch, container, blob: "dir/missing.fits" });
  await rejectsWith(source.read(0, 10), "NOT_FOUND", /BlobNotFound/);
  assert.deepEqual(requests.map((r) => r.status), [404]);
});

test("listing follows NextMarker page by page and reports sizes and ETags", async () => {
  const etags = new Map<string, string | undefined>();
  for (let i = 0; i < 5; i++) {
    const blob = `list/item-${i}.fits`;
    etags.set(blob, (await azurePutBlob({ ...account, container, blob, body: pattern(100 + i) })).etag);
  }
  await azurePutBlob({ ...account, container, blob: "listing-decoy.fits", body: pattern(1) });
  const { fetch, requests } = recordingFetch();
  const items = [];
  for await (const item of azureListBlobs({ ...account, fetch, container, prefix: "list/", maxResults: 2 })) {
    items.push(item);
  }
  assert.deepEqual(
    items.map((i) => [i.name, i.size, i.etag]),
    [...etags].map(([name, etag], i) => [name, 100 + i, etag]),
  );
  assert.ok(items.every((i) => i.lastModified instanceof Date && !Number.isNaN(i.lastModified.getTime())));
  assert.equal(requests.length, 3);
  const queries = requests.map((r) => new URL(r.url).searchParams);
  assert.deepEqual(
    queries.map((q) => [q.get("restype"), q.get("comp"), q.get("prefix"), q.get("maxresults")]),
    [
      ["container", "list", "list/", "2"],
      ["container", "list", "list/", "2"],
      ["container", "list", "list/", "2"],
    ],
  );
  assert.equal(queries[0].get("marker"), null);
  assert.ok(queries[1].get("marker") && queries[2].get("marker"));
  assert.ok(requests.every((r) => r.headers.get("x-ms-version") === "2021-08-06"));
});

test("listing works with a container SAS and fails clearly for a missing container", async () => {
  const sas = await serviceSas({
    ...account,
    container,
    permissions: "rl",
    expiry: new Date(Date.now() + 3600_000),
  });
  const names = [];
  for await (
    const item of azureListBlobs({
      account: account.account,
      blobEndpoint: account.blobEndpoint,
      sas,
      container,
      prefix: "dir/",
    })
  ) {
    names.push(item.name);
  }
  assert.deepEqual(names, ["dir/cube.fits"]);

  await rejectsWith(
    (async () => {
      for await (const _ of azureListBlobs({ ...account, container: "no-such-container" })) {
        // Nothing to iterate.
      }
    })(),
    "NOT_FOUND",
    /Cannot list blobs in .*no-such-container: not found \(HTTP 404\): ContainerNotFound/,
  );
});

test("credentials resolved from a connection string read from Azurite", async () => {
  const credentials = resolveAzureCredentials({
    env: {
      AZURE_STORAGE_CONNECTION_STRING:
        `DefaultEndpointsProtocol=http;AccountName=${account.account};AccountKey=${account.key};BlobEndpoint=${account.blobEndpoint};`,
    },
  });
  assert.ok(credentials);
  const source = azureSource({ ...credentials, container, blob: "dir/cube.fits" });
  assert.deepEqual(await source.read(5000, 16), blobBytes.slice(5000, 5016));
});

test("the SharedKey string to sign follows Microsoft's layout, account twice for path-style URLs", async () => {
  const key = btoa("a test key of 32 bytes, no more.");
  const { fetch, requests: sent } = recordingFetch(() => new Response(null, { status: 200 }));
  const signed = azureFetch({
    account: "devstoreaccount1",
    key,
    now: () => Date.parse("2024-05-06T07:08:09Z"),
    fetch,
  });
  await signed(
    "http://127.0.0.1:10000/devstoreaccount1/c/a%20b.fits?comp=list&restype=container&prefix=x%2By",
    {
      headers: { range: "bytes=0-99", "x-ms-meta-Zed": "  z  " },
    },
  );
  const expected = [
    "GET",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "bytes=0-99",
    "x-ms-date:Mon, 06 May 2024 07:08:09 GMT",
    "x-ms-meta-zed:z",
    "x-ms-version:2021-08-06",
    "/devstoreaccount1/devstoreaccount1/c/a%20b.fits",
    "comp:list",
    "prefix:x+y",
    "restype:container",
  ].join("\n");
  const signature = createHmac("sha256", Buffer.from(key, "base64")).update(expected, "utf8").digest(
    "base64",
  );
  assert.equal(sent[0].headers.get("authorization"), `SharedKey devstoreaccount1:${signature}`);
  assert.equal(sent[0].headers.get("x-ms-date"), "Mon, 06 May 2024 07:08:09 GMT");
});

test("anonymous requests carry the version header and no authorization", async () => {
  const { fetch, requests: sent } = recordingFetch(() => new Response(null, { status: 200 }));
  const anonymous = azureFetch({ account: "acct", fetch });
  await anonymous(azureBlobUrl({ account: "acct", container: "c", blob: "a.fits" }));
  assert.equal(sent[0].headers.get("x-ms-version"), "2021-08-06");
  assert.equal(sent[0].authorization, null);
  assert.equal(
    azureBlobUrl({ account: "acct", container: "c", blob: "a b/c.fits" }),
    "https://acct.blob.core.windows.net/c/a%20b/c.fits",
  );
  assert.throws(() => azureBlobUrl({ account: "acct", container: "c", blob: "a/../b" }), TypeError);
});

test("network failures do not leak the SAS through messages or causes", async () => {
  const sas = "sv=2021-08-06&sr=b&sp=r&sig=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D";
  const urls: string[] = [];
  const failing = (input: string | URL | Request) => {
    urls.push(String(input));
    return Promise.reject(
      new TypeError(`error sending request for url (${String(input)}): connection refused`),
    );
  };
  const options = { account: "acct", sas, fetch: failing, container: "c" };
  const readError = await rejection(azureSource({ ...options, blob: "a.fits" }).read(0, 10));
  const listError = await rejection((async () => {
    for await (const _ of azureListBlobs(options)) {
      // Nothing arrives.
    }
  })());
  assert.equal(urls.length, 2);
  assert.ok(urls.every((url) => url.includes("sig=c2VjcmV0")));
  for (const error of [readError, listError]) {
    assertCloudFitsError(error, "NETWORK");
    const cause = error.cause as Error;
    assert.match(cause.message, /connection refused/);
    assert.ok(!`${error.message} ${cause.message}`.includes("c2VjcmV0"));
  }
});

test("explainAzureError keeps the code and the first line of the message", () => {
  const body = '<?xml version="1.0"?><Error><Code>AuthenticationFailed</Code><Message>Server failed.\n' +
    "RequestId:1</Message><AuthenticationErrorDetail>sig</AuthenticationErrorDetail></Error>";
  assert.equal(explainAzureError(403, body), "AuthenticationFailed: Server failed.");
  assert.equal(explainAzureError(500, "oops"), undefined);
});
