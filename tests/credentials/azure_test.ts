import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveAzureCredentials } from "../../src/credentials/azure.ts";
import { throwsWith } from "../_support/expect_error.ts";

const KEY = btoa("thirty-two bytes of account key!");

test("a connection string gives account, endpoint and key", () => {
  const env = {
    AZURE_STORAGE_CONNECTION_STRING:
      `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${KEY};EndpointSuffix=core.windows.net`,
  };
  assert.deepEqual(resolveAzureCredentials({ env }), {
    account: "acct",
    blobEndpoint: "https://acct.blob.core.windows.net",
    key: KEY,
  });
});

test("connection strings honour EndpointSuffix, the protocol and an explicit BlobEndpoint", () => {
  const sovereign = "AccountName=cn;AccountKey=" + KEY +
    ";EndpointSuffix=core.chinacloudapi.cn;DefaultEndpointsProtocol=http";
  assert.equal(
    resolveAzureCredentials({ env: { AZURE_STORAGE_CONNECTION_STRING: sovereign } })?.blobEndpoint,
    "http://cn.blob.core.chinacloudapi.cn",
  );
  const explicit = `AccountName=dev;AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:10000/dev/;`;
  assert.equal(
    resolveAzureCredentials({ env: { AZURE_STORAGE_CONNECTION_STRING: explicit } })?.blobEndpoint,
    "http://127.0.0.1:10000/dev",
  );
});

test("a SAS-only connection string takes the account from its BlobEndpoint", () => {
  const env = {
    AZURE_STORAGE_CONNECTION_STRING:
      "BlobEndpoint=https://pub.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&sig=a%2Bb",
  };
  assert.deepEqual(resolveAzureCredentials({ env }), {
    account: "pub",
    blobEndpoint: "https://pub.blob.core.windows.net",
    sas: "sv=2022-11-02&sig=a%2Bb",
  });
});

test("UseDevelopmentStorage=true means Azurite's well-known account", () => {
  const credentials = resolveAzureCredentials({
    env: { AZURE_STORAGE_CONNECTION_STRING: "UseDevelopmentStorage=true" },
  });
  assert.equal(credentials?.account, "devstoreaccount1");
  assert.equal(credentials?.blobEndpoint, "http://127.0.0.1:10000/devstoreaccount1");
  assert.match(credentials?.key ?? "", /^Eby8vdM02x/);
});

test("account and key variables, with a SAS token winning over the key", () => {
  const env = { AZURE_STORAGE_ACCOUNT: "acct", AZURE_STORAGE_KEY: KEY };
  assert.deepEqual(resolveAzureCredentials({ env }), {
    account: "acct",
    blobEndpoint: "https://acct.blob.core.windows.net",
    key: KEY,
  });
  assert.deepEqual(resolveAzureCredentials({ env: { ...env, AZURE_STORAGE_SAS_TOKEN: "?sv=1&sig=x" } }), {
    account: "acct",
    blobEndpoint: "https://acct.blob.core.windows.net",
    sas: "sv=1&sig=x",
  });
  const fromConnection = resolveAzureCredentials({
    env: {
      AZURE_STORAGE_CONNECTION_STRING: `AccountName=c;AccountKey=${KEY}`,
      AZURE_STORAGE_SAS_TOKEN: "sig=y",
    },
  });
  assert.equal(fromConnection?.key, undefined);
  assert.equal(fromConnection?.sas, "sig=y");
});

test("credentials for another account are not used for the account addressed", () => {
  const env = { AZURE_STORAGE_ACCOUNT: "mine", AZURE_STORAGE_KEY: KEY };
  assert.deepEqual(resolveAzureCredentials({ env, account: "public" }), {
    account: "public",
    blobEndpoint: "https://public.blob.core.windows.net",
  });
  assert.equal(resolveAzureCredentials({ env, account: "mine" })?.key, KEY);
  assert.equal(resolveAzureCredentials({ env: {} }), undefined);
  assert.deepEqual(resolveAzureCredentials({ env: {}, account: "open" }), {
    account: "open",
    blobEndpoint: "https://open.blob.core.windows.net",
  });
});

test("malformed settings are USAGE errors that do not quote the key", () => {
  const badKey = "not base64 at all!";
  throwsWith(
    () => resolveAzureCredentials({ env: { AZURE_STORAGE_ACCOUNT: "acct", AZURE_STORAGE_KEY: badKey } }),
    "USAGE",
    /account acct: it is not base64/,
    { secrets: [badKey] },
  );
  throwsWith(
    () => resolveAzureCredentials({ env: { AZURE_STORAGE_CONNECTION_STRING: `AccountKey=${KEY}` } }),
    "USAGE",
    undefined,
    { secrets: [KEY] },
  );
  throwsWith(
    () => resolveAzureCredentials({ env: { AZURE_STORAGE_CONNECTION_STRING: "AccountName=a;garbage" } }),
    "USAGE",
    /a field has no '='/,
  );
});
