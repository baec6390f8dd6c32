import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeObjectKey, parseLocation, parseTarget, redactUrl } from "../src/url.ts";
import { throwsWith } from "./_support/expect_error.ts";

test("parseLocation reads local paths and file URLs", () => {
  assert.deepEqual(parseLocation("data/a.fits"), { kind: "file", path: "data/a.fits" });
  assert.deepEqual(parseLocation("/abs/a b.fits"), { kind: "file", path: "/abs/a b.fits" });
  assert.deepEqual(parseLocation("C:\\data\\a.fits"), { kind: "file", path: "C:\\data\\a.fits" });
  assert.deepEqual(parseLocation("file:///tmp/a%20b.fits"), { kind: "file", path: "/tmp/a b.fits" });
  assert.deepEqual(parseLocation("file://localhost/tmp/a.fits"), { kind: "file", path: "/tmp/a.fits" });
  assert.deepEqual(parseLocation("file:///C:/data/a.fits"), { kind: "file", path: "C:/data/a.fits" });
  throwsWith(() => parseLocation("file://server/share/a.fits"), "USAGE", /other hosts/);
});

test("parseLocation reads s3://, gs:// and az:// URLs literally", () => {
  assert.deepEqual(parseLocation("s3://stpubdata/tess/public/a+b%20c.fits"), {
    kind: "s3",
    bucket: "stpubdata",
    key: "tess/public/a+b%20c.fits",
  });
  assert.deepEqual(parseLocation("s3://bucket"), { kind: "s3", bucket: "bucket", key: "" });
  assert.deepEqual(parseLocation("s3://bucket/prefix/"), { kind: "s3", bucket: "bucket", key: "prefix/" });
  assert.deepEqual(parseLocation("S3://b/k?x#y"), { kind: "s3", bucket: "b", key: "k?x#y" });
  assert.deepEqual(parseLocation("gs://gcp-public/a.fits"), {
    kind: "gcs",
    bucket: "gcp-public",
    key: "a.fits",
  });
  assert.deepEqual(parseLocation("az://container/dir/blob.fits"), {
    kind: "azure",
    container: "container",
    blob: "dir/blob.fits",
  });
  assert.deepEqual(parseLocation("az://container/blob.fits", { AZURE_STORAGE_ACCOUNT: "acct" }), {
    kind: "azure",
    account: "acct",
    container: "container",
    blob: "blob.fits",
  });
  assert.deepEqual(parseLocation("abfss://data@acct.dfs.core.windows.net/x/y.fits"), {
    kind: "azure",
    account: "acct",
    container: "data",
    blob: "x/y.fits",
  });
  throwsWith(() => parseLocation("s3://"), "USAGE", /no bucket name/);
  throwsWith(() => parseLocation("s3:/bucket/key"), "USAGE", /no bucket name/);
  throwsWith(() => parseLocation("az:///blob"), "USAGE", /no container name/);
  throwsWith(() => parseLocation("ftp://host/a.fits"), "USAGE", /unsupported scheme ftp/);
  throwsWith(() => parseLocation(""), "USAGE", /empty/);
});

test("parseLocation decodes native AWS URLs to bucket, key and region", () => {
  assert.deepEqual(parseLocation("https://stpubdata.s3.us-east-1.amazonaws.com/tess/a%2Bb%20c.fits"), {
    kind: "s3",
    bucket: "stpubdata",
    key: "tess/a+b c.fits",
    region: "us-east-1",
  });
  assert.deepEqual(parseLocation("https://s3.eu-west-2.amazonaws.com/my.bucket/k/a.fits"), {
    kind: "s3",
    bucket: "my.bucket",
    key: "k/a.fits",
    region: "eu-west-2",
  });
  assert.deepEqual(parseLocation("https://bucket.s3.amazonaws.com/a.fits"), {
    kind: "s3",
    bucket: "bucket",
    key: "a.fits",
  });
  assert.deepEqual(parseLocation("https://my.dotted.bucket.s3-us-west-2.amazonaws.com/a.fits"), {
    kind: "s3",
    bucket: "my.dotted.bucket",
    key: "a.fits",
    region: "us-west-2",
  });
  assert.deepEqual(parseLocation("https://s3.amazonaws.com/bucket/a.fits"), {
    kind: "s3",
    bucket: "bucket",
    key: "a.fits",
  });
  assert.deepEqual(parseLocation("https://b.s3.dualstack.ap-south-1.amazonaws.com/k"), {
    kind: "s3",
    bucket: "b",
    key: "k",
    region: "ap-south-1",
  });
});

test("parseLocation keeps presigned, website and other URLs as plain HTTP", () => {
  const presigned =
    "https://b.s3.us-east-1.amazonaws.com/k.fits?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc";
  assert.deepEqual(parseLocation(presigned), { kind: "http", url: presigned });
  const signedGcs = "https://storage.googleapis.com/b/k.fits?X-Goog-Signature=abc";
  assert.deepEqual(parseLocation(signedGcs), { kind: "http", url: signedGcs });
  const website = "https://b.s3-website-us-east-1.amazonaws.com/k.fits";
  assert.deepEqual(parseLocation(website), { kind: "http", url: website });
  assert.deepEqual(parseLocation("http://b.s3.amazonaws.com/k"), {
    kind: "http",
    url: "http://b.s3.amazonaws.com/k",
  });
  assert.deepEqual(parseLocation("https://archive.stsci.edu/a.fits"), {
    kind: "http",
    url: "https://archive.stsci.edu/a.fits",
  });
  assert.deepEqual(parseLocation("https://storage.googleapis.com/"), {
    kind: "http",
    url: "https://storage.googleapis.com/",
  });
});

test("parseLocation decodes native GCS and Azure URLs, keeping the SAS", () => {
  assert.deepEqual(parseLocation("https://storage.googleapis.com/bucket/dir/a%20b.fits"), {
    kind: "gcs",
    bucket: "bucket",
    key: "dir/a b.fits",
  });
  assert.deepEqual(parseLocation("https://bucket.storage.googleapis.com/a.fits"), {
    kind: "gcs",
    bucket: "bucket",
    key: "a.fits",
  });
  assert.deepEqual(
    parseLocation("https://acct.blob.core.windows.net/cont/dir/b%2Bc.fits?sv=2022-11-02&sig=abc%3D"),
    {
      kind: "azure",
      account: "acct",
      container: "cont",
      blob: "dir/b+c.fits",
      sas: "sv=2022-11-02&sig=abc%3D",
    },
  );
  assert.deepEqual(parseLocation("https://acct.blob.core.windows.net/cont/b.fits"), {
    kind: "azure",
    account: "acct",
    container: "cont",
    blob: "b.fits",
  });
});

test("parseTarget splits cfitsio-style HDU, section and column suffixes", () => {
  assert.deepEqual(parseTarget("file.fits[1][1:10,*]"), {
    location: { kind: "file", path: "file.fits" },
    hdu: 1,
    section: "1:10,*",
  });
  assert.deepEqual(parseTarget("s3://b/k.fits[SCI,2]"), {
    location: { kind: "s3", bucket: "b", key: "k.fits" },
    hdu: { extname: "SCI", extver: 2 },
  });
  assert.deepEqual(parseTarget("a.fits[ SCI ]").hdu, { extname: "SCI" });
  assert.deepEqual(parseTarget("a.fits[1:100, 1:200]"), {
    location: { kind: "file", path: "a.fits" },
    section: "1:100,1:200",
  });
  assert.deepEqual(parseTarget("ev.fits[EVENTS][col TIME; PHA;X]"), {
    location: { kind: "file", path: "ev.fits" },
    hdu: { extname: "EVENTS" },
    columns: ["TIME", "PHA", "X"],
  });
  assert.deepEqual(parseTarget("ev.fits[col RATE]"), {
    location: { kind: "file", path: "ev.fits" },
    columns: ["RATE"],
  });
  assert.deepEqual(parseTarget("a.fits"), { location: { kind: "file", path: "a.fits" } });
  assert.deepEqual(parseTarget("https://h/a.fits?x=1[2]").hdu, 2);
  throwsWith(() => parseTarget("a.fits[]"), "USAGE", /empty/);
  throwsWith(() => parseTarget("a.fits[1][2]"), "USAGE", /expected an image section/);
  throwsWith(() => parseTarget("a.fits[1][2][3]"), "USAGE", /at most two/);
  throwsWith(() => parseTarget("a.fits[1:2][3:4]"), "USAGE", /given twice/);
  throwsWith(() => parseTarget("a.fits[col ;]"), "USAGE", /no column names/);
  throwsWith(
    () => parseTarget("a.fits[SCI,x]"),
    "USAGE",
    /expected \[N\], \[EXTNAME\] or \[EXTNAME,EXTVER\]/,
  );
});

test("redactUrl drops query, fragment and userinfo and leaves paths alone", () => {
  assert.equal(redactUrl("https://u:p@host:8443/a.fits?X-Amz-Signature=s#f"), "https://host:8443/a.fits");
  assert.equal(
    redactUrl("https://acct.blob.core.windows.net/c/b?sv=1&sig=2"),
    "https://acct.blob.core.windows.net/c/b",
  );
  assert.equal(redactUrl("https://user@host"), "https://host");
  assert.equal(redactUrl("s3://bucket/key"), "s3://bucket/key");
  assert.equal(redactUrl("data/a?.fits"), "data/a?.fits");
});

test("encodeObjectKey encodes per segment, + as %2B, and refuses dot segments", () => {
  assert.equal(encodeObjectKey("a/b c/d+e!'()*.fits"), "a/b%20c/d%2Be%21%27%28%29%2A.fits");
  assert.equal(encodeObjectKey("x//y/"), "x//y/");
  assert.equal(encodeObjectKey("é"), "%C3%A9");
  assert.throws(() => encodeObjectKey("a/../b"), TypeError);
  assert.throws(() => encodeObjectKey("./b"), TypeError);
});

test("a SAS pasted after an az:// blob is a credential, not part of the name", () => {
  assert.deepEqual(
    parseLocation("az://c/dir/b.fits?sv=2021-08-06&sig=abc%3D", { AZURE_STORAGE_ACCOUNT: "acct" }),
    {
      kind: "azure",
      account: "acct",
      container: "c",
      blob: "dir/b.fits",
      sas: "sv=2021-08-06&sig=abc%3D",
    },
  );
  // A question mark without a signature stays in the name, as object keys may hold one.
  assert.equal((parseLocation("az://c/what?.fits") as { blob: string }).blob, "what?.fits");
});
