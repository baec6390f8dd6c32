import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { resolveAwsCredentials } from "../../src/credentials/aws.ts";
import { resolveAwsRegion, resolveS3Endpoint } from "../../src/credentials/aws_region.ts";
import type { AwsCredentialOptions } from "../../src/credentials/aws_types.ts";
import {
  type LoopbackEndpoints,
  loopbackOnlyFetch,
  startLoopbackEndpoints,
} from "../_support/loopback_endpoints.ts";
import { rejection, rejectsWith } from "../_support/expect_error.ts";

let endpoints: LoopbackEndpoints;
before(async () => {
  endpoints = await startLoopbackEndpoints();
});
after(() => endpoints.close());

/** A readFile over an in-memory file system; absent paths reject like node:fs does. */
function files(contents: Record<string, string>): (path: string) => Promise<string> {
  return (path) =>
    path in contents
      ? Promise.resolve(contents[path])
      : Promise.reject(Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" }));
}

/** Options with IMDS off and nothing configured, so each test adds only what it exercises. */
function options(
  overrides: Partial<AwsCredentialOptions> & { env?: Record<string, string> },
): AwsCredentialOptions {
  return {
    readFile: files({}),
    fetch: loopbackOnlyFetch(),
    ...overrides,
    env: { HOME: "/home/u", AWS_EC2_METADATA_DISABLED: "true", ...overrides.env },
  };
}

function requestsSince(start: number) {
  return endpoints.requests.slice(start);
}

test("environment keys come first and profiles are read from HOME", async () => {
  const readFile = files({
    "/home/u/.aws/credentials":
      "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n",
  });
  const fromEnv = await resolveAwsCredentials(options({
    readFile,
    env: { AWS_ACCESS_KEY_ID: "ENVKEY", AWS_SECRET_ACCESS_KEY: "envsecret", AWS_SESSION_TOKEN: "envtoken" },
  }))();
  assert.deepEqual(fromEnv, {
    accessKeyId: "ENVKEY",
    secretAccessKey: "envsecret",
    sessionToken: "envtoken",
  });
  const fromFile = await resolveAwsCredentials(options({ readFile }))();
  assert.deepEqual(fromFile, { accessKeyId: "FILEKEY", secretAccessKey: "filesecret" });
});

test("an explicit profile option skips environment keys, like the CLI's --profile", async () => {
  const readFile = files({
    "/home/u/.aws/credentials": "[work]\naws_access_key_id = WORKKEY\naws_secret_access_key = worksecret\n",
  });
  const env = { AWS_ACCESS_KEY_ID: "ENVKEY", AWS_SECRET_ACCESS_KEY: "envsecret" };
  assert.equal(
    (await resolveAwsCredentials(options({ readFile, env, profile: "work" }))())?.accessKeyId,
    "WORKKEY",
  );
  // AWS_PROFILE picks the profile but environment keys still win, as in the AWS CLI.
  const viaEnv = await resolveAwsCredentials(options({ readFile, env: { ...env, AWS_PROFILE: "work" } }))();
  assert.equal(viaEnv?.accessKeyId, "ENVKEY");
});

test("profiles come from both files, located by AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE", async () => {
  const readFile = files({
    "/etc/aws-creds": "[team]\naws_access_key_id = CREDSKEY\naws_secret_access_key = credssecret\n",
    "/etc/aws-config":
      "[profile team]\naws_access_key_id = CONFIGKEY\naws_secret_access_key = configsecret\n" +
      "aws_session_token = configtoken\n[profile other]\naws_access_key_id = OTHERKEY\n" +
      "aws_secret_access_key = othersecret\n",
    "/home/u/.aws/credentials": "[team]\naws_access_key_id = HOMEKEY\naws_secret_access_key = homesecret\n",
  });
  const env = { AWS_SHARED_CREDENTIALS_FILE: "/etc/aws-creds", AWS_CONFIG_FILE: "/etc/aws-config" };
  // The credentials file wins key by key over the config file for the same profile.
  assert.deepEqual(
    await resolveAwsCredentials(options({ readFile, env: { ...env, AWS_PROFILE: "team" } }))(),
    {
      accessKeyId: "CREDSKEY",
      secretAccessKey: "credssecret",
      sessionToken: "configtoken",
    },
  );
  assert.equal(
    (await resolveAwsCredentials(options({ readFile, env: { ...env, AWS_PROFILE: "other" } }))())
      ?.accessKeyId,
    "OTHERKEY",
  );
});

test("the INI parser tolerates BOMs, CRLF, comments, odd spacing and nested blocks", async () => {
  const config = "\uFEFF# leading comment\r\n; another\r\n[ profile   spaced ]\r\n" +
    "AWS_ACCESS_KEY_ID=SPACEDKEY   # inline comment\r\n" +
    "  aws_secret_access_key   =   spacedsecret\r\n" +
    "s3 =\r\n  addressing_style = path\r\n  endpoint_url = http://nested.example\r\n" +
    "region = eu-west-1 ; trailing\r\n" +
    "a line without equals\r\n";
  const readFile = files({ "/home/u/.aws/config": config });
  const base = { readFile, profile: "spaced" };
  assert.deepEqual(await resolveAwsCredentials(options(base))(), {
    accessKeyId: "SPACEDKEY",
    secretAccessKey: "spacedsecret",
  });
  assert.equal(await resolveAwsRegion({ env: { HOME: "/home/u" }, ...base }), "eu-west-1");
});

test("a named profile that does not exist is an error; a missing default profile is not", async () => {
  await rejectsWith(
    resolveAwsCredentials(options({ env: { AWS_PROFILE: "ghost" } }))(),
    "USAGE",
    /Cannot find AWS profile 'ghost'/,
  );
  assert.equal(await resolveAwsCredentials(options({}))(), undefined);
});

test("errors about bad profiles and credential processes never contain the secret", async () => {
  const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  const readFile = files({
    "/home/u/.aws/credentials": `[half]\naws_secret_access_key = ${secret}\n`,
    "/home/u/.aws/config": `[profile proc]\ncredential_process = /bin/creds --x\n`,
  });
  await rejectsWith(
    resolveAwsCredentials(options({ readFile, profile: "half" }))(),
    "USAGE",
    /profile 'half': it does not set aws_access_key_id/,
    { secrets: [secret] },
  );
  const halfEnv = await rejection(
    resolveAwsCredentials(options({ env: { AWS_SECRET_ACCESS_KEY: secret } }))(),
  );
  assert.match(halfEnv.message, /AWS_ACCESS_KEY_ID is not set/);
  assert.ok(!halfEnv.message.includes(secret));

  const leaky = `{"Version": 1, "AccessKeyId": "AK", "SecretAccessKey": "${secret}",,}`;
  const broken = await rejectsWith(
    resolveAwsCredentials(options({ readFile, profile: "proc", runProcess: () => Promise.resolve(leaky) }))(),
    "FORBIDDEN",
    /credential_process of profile 'proc': the output is not JSON/,
    { secrets: [secret] },
  );
  assert.ok(!String(broken.cause ?? "").includes(secret));
});

test("credential_process runs through the injected runner", async () => {
  const readFile = files({
    "/home/u/.aws/config": "[profile proc]\ncredential_process = /bin/creds --profile x\n",
  });
  const commands: string[] = [];
  const runProcess = (command: string) => {
    commands.push(command);
    return Promise.resolve(JSON.stringify({
      Version: 1,
      AccessKeyId: "PROCKEY",
      SecretAccessKey: "procsecret",
      SessionToken: "proctoken",
      Expiration: "2099-01-01T00:00:00Z",
    }));
  };
  const result = await resolveAwsCredentials(options({ readFile, profile: "proc", runProcess }))();
  assert.deepEqual(commands, ["/bin/creds --profile x"]);
  assert.deepEqual(result, {
    accessKeyId: "PROCKEY",
    secretAccessKey: "procsecret",
    sessionToken: "proctoken",
    expiration: new Date("2099-01-01T00:00:00Z"),
  });
  await rejectsWith(resolveAwsCredentials(options({ readFile, profile: "proc" }))(), "UNSUPPORTED");
});

test("role_arn with source_profile assumes the role with a SigV4-signed STS POST", async () => {
  const readFile = files({
    "/home/u/.aws/credentials": "[base]\naws_access_key_id = BASEKEY\naws_secret_access_key = basesecret\n",
    "/home/u/.aws/config":
      "[profile admin]\nrole_arn = arn:aws:iam::123:role/admin\nsource_profile = base\n" +
      "role_session_name = me\nexternal_id = ext-1\nregion = eu-central-1\n",
  });
  const start = endpoints.requests.length;
  const fetch = loopbackOnlyFetch();
  const result = await resolveAwsCredentials(options({
    readFile,
    fetch,
    profile: "admin",
    env: { AWS_ENDPOINT_URL_STS: `${endpoints.baseUrl}/sts/` },
  }))();
  assert.equal(result?.accessKeyId.startsWith("STS"), true);
  assert.equal(result?.sessionToken?.startsWith("sts-token-"), true);
  assert.deepEqual(result?.expiration, new Date("2099-01-01T00:00:00Z"));
  const [request, ...rest] = requestsSince(start);
  assert.equal(rest.length, 0);
  assert.equal(request.method, "POST");
  assert.equal(request.path, "/sts/");
  const form = new URLSearchParams(request.body);
  assert.equal(form.get("Action"), "AssumeRole");
  assert.equal(form.get("RoleArn"), "arn:aws:iam::123:role/admin");
  assert.equal(form.get("RoleSessionName"), "me");
  assert.equal(form.get("ExternalId"), "ext-1");
  assert.match(
    request.headers.authorization,
    /^AWS4-HMAC-SHA256 Credential=BASEKEY\/\d{8}\/eu-central-1\/sts\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/,
  );
  assert.equal(request.headers["x-amz-security-token"], undefined);
  assert.deepEqual(fetch.urls, [`${endpoints.baseUrl}/sts/`]);
});

test("a role_arn whose source profile chain loops is refused", async () => {
  const readFile = files({
    "/home/u/.aws/config": "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n" +
      "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n",
  });
  await rejectsWith(
    resolveAwsCredentials(options({ readFile, profile: "a" }))(),
    "USAGE",
    /source_profile loop a > b > a/,
  );
});

test("web identity from the environment calls AssumeRoleWithWebIdentity unsigned", async () => {
  const token = "eyJhbGciOiJSUzI1NiJ9.web-identity-token";
  const readFile = files({ "/var/run/token": `${token}\n` });
  const start = endpoints.requests.length;
  const env = {
    AWS_WEB_IDENTITY_TOKEN_FILE: "/var/run/token",
    AWS_ROLE_ARN: "arn:aws:iam::123:role/pod",
    AWS_ROLE_SESSION_NAME: "pod-session",
    AWS_ENDPOINT_URL_STS: `${endpoints.baseUrl}/sts/`,
  };
  const result = await resolveAwsCredentials(options({ readFile, env }))();
  assert.match(result?.accessKeyId ?? "", /^STS\d+$/);
  const [request, ...rest] = requestsSince(start);
  assert.equal(rest.length, 0);
  assert.equal(request.headers.authorization, undefined);
  const form = new URLSearchParams(request.body);
  assert.equal(form.get("Action"), "AssumeRoleWithWebIdentity");
  assert.equal(form.get("RoleArn"), "arn:aws:iam::123:role/pod");
  assert.equal(form.get("RoleSessionName"), "pod-session");
  assert.equal(form.get("WebIdentityToken"), token);

  endpoints.state.stsError = {
    status: 403,
    code: "AccessDenied",
    message: "Not authorized to perform sts:X",
  };
  try {
    const error = await rejectsWith(
      resolveAwsCredentials(options({ readFile, env }))(),
      "FORBIDDEN",
      /arn:aws:iam::123:role\/pod with web identity: STS answered 403 AccessDenied/,
      { secrets: [token] },
    );
    assert.equal(error.status, 403);
  } finally {
    endpoints.state.stsError = undefined;
  }
});

test("ECS relative URIs go to the container agent base URL", async () => {
  const start = endpoints.requests.length;
  const result = await resolveAwsCredentials(options({
    containerBaseUrl: endpoints.baseUrl,
    env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/ecs/v2/credentials/abc" },
  }))();
  assert.match(result?.accessKeyId ?? "", /^ECS\d+$/);
  assert.match(result?.sessionToken ?? "", /^ecs-token-\d+$/);
  const requests = requestsSince(start);
  assert.deepEqual(requests.map((r) => `${r.method} ${r.path}`), ["GET /ecs/v2/credentials/abc"]);

  // Without the override the default agent address is used; the guard refuses it, so nothing leaves.
  const fetch = loopbackOnlyFetch();
  await rejectsWith(
    resolveAwsCredentials(options({
      fetch,
      env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/ecs/v2/credentials/abc" },
    }))(),
    "NETWORK",
  );
  assert.deepEqual(fetch.urls, ["http://169.254.170.2/ecs/v2/credentials/abc"]);
});

test("EKS full URIs send the authorization token, preferring the token file", async () => {
  endpoints.state.ecsAuthorization = "file-token";
  try {
    const readFile = files({ "/var/run/eks-token": "file-token\n" });
    const start = endpoints.requests.length;
    const env = {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoints.baseUrl}/ecs/eks`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: "/var/run/eks-token",
      AWS_CONTAINER_AUTHORIZATION_TOKEN: "env-token",
    };
    assert.match((await resolveAwsCredentials(options({ readFile, env }))())?.accessKeyId ?? "", /^ECS\d+$/);
    assert.equal(requestsSince(start)[0].headers.authorization, "file-token");

    const { AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: _, ...withEnvToken } = env;
    const error = await rejectsWith(
      resolveAwsCredentials(options({ env: withEnvToken }))(),
      "FORBIDDEN",
      undefined,
      { secrets: ["env-token"] },
    );
    assert.equal(error.status, 401);
  } finally {
    endpoints.state.ecsAuthorization = undefined;
  }
});

test("full URIs over plain HTTP to other hosts are refused before any request", async () => {
  const fetch = loopbackOnlyFetch();
  await rejectsWith(
    resolveAwsCredentials(options({
      fetch,
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://metadata.example.com/creds" },
    }))(),
    "USAGE",
    /host metadata\.example\.com is not HTTPS, loopback or the container agent/,
  );
  assert.deepEqual(fetch.urls, []);
});

test("IMDSv2 gets a session token, lists the role and fetches its credentials", async () => {
  const start = endpoints.requests.length;
  const env = { AWS_EC2_METADATA_DISABLED: "false", AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoints.baseUrl };
  const result = await resolveAwsCredentials(options({ env }))();
  assert.match(result?.accessKeyId ?? "", /^IMDS\d+$/);
  const requests = requestsSince(start);
  assert.deepEqual(requests.map((r) => `${r.method} ${r.path}`), [
    "PUT /latest/api/token",
    "GET /latest/meta-data/iam/security-credentials/",
    "GET /latest/meta-data/iam/security-credentials/instance-role",
  ]);
  assert.equal(requests[0].headers["x-aws-ec2-metadata-token-ttl-seconds"], "21600");
  assert.equal(requests[2].headers["x-aws-ec2-metadata-token"], "imds-session-token");

  endpoints.state.imdsRole = undefined;
  try {
    assert.equal(await resolveAwsCredentials(options({ env }))(), undefined);
  } finally {
    endpoints.state.imdsRole = "instance-role";
  }
});

test("an unreachable metadata service means anonymous; the default address is 169.254.169.254", async () => {
  const fetch = loopbackOnlyFetch();
  assert.equal(
    await resolveAwsCredentials(options({ fetch, env: { AWS_EC2_METADATA_DISABLED: "" } }))(),
    undefined,
  );
  assert.deepEqual(fetch.urls, ["http://169.254.169.254/latest/api/token"]);
  const disabled = loopbackOnlyFetch();
  assert.equal(await resolveAwsCredentials(options({ fetch: disabled }))(), undefined);
  assert.deepEqual(disabled.urls, []);
});

test("the chain order is environment, profile, web identity, container, instance metadata", async () => {
  const readFile = files({
    "/home/u/.aws/credentials":
      "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n",
    "/var/run/token": "tok",
  });
  const noFiles = files({ "/var/run/token": "tok" });
  const all = {
    AWS_ACCESS_KEY_ID: "ENVKEY",
    AWS_SECRET_ACCESS_KEY: "envsecret",
    AWS_WEB_IDENTITY_TOKEN_FILE: "/var/run/token",
    AWS_ROLE_ARN: "arn:aws:iam::1:role/r",
    AWS_ENDPOINT_URL_STS: `${endpoints.baseUrl}/sts/`,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoints.baseUrl}/ecs/x`,
    AWS_EC2_METADATA_DISABLED: "false",
    AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoints.baseUrl,
  };
  const winner = async (env: Record<string, string>, fileReader = readFile) =>
    ((await resolveAwsCredentials(options({ env, readFile: fileReader }))())?.accessKeyId ?? "none").replace(
      /\d+$/,
      "",
    );
  const { AWS_ACCESS_KEY_ID: _a, AWS_SECRET_ACCESS_KEY: _b, ...noEnvKeys } = all;
  const { AWS_WEB_IDENTITY_TOKEN_FILE: _c, ...noWebIdentity } = noEnvKeys;
  const { AWS_CONTAINER_CREDENTIALS_FULL_URI: _d, ...noContainer } = noWebIdentity;
  assert.equal(await winner(all), "ENVKEY");
  assert.equal(await winner(noEnvKeys), "FILEKEY");
  assert.equal(await winner(noEnvKeys, noFiles), "STS");
  assert.equal(await winner(noWebIdentity, noFiles), "ECS");
  assert.equal(await winner(noContainer, noFiles), "IMDS");
  assert.equal(await winner({ ...noContainer, AWS_EC2_METADATA_DISABLED: "true" }, noFiles), "none");
});

test("temporary credentials are cached, shared by concurrent callers and refreshed 5 minutes early", async () => {
  const expires = Date.parse("2030-01-01T12:00:00Z");
  endpoints.state.expiration = new Date(expires).toISOString();
  try {
    let clock = expires - 60 * 60_000;
    const provider = resolveAwsCredentials(options({
      now: () => clock,
      containerBaseUrl: endpoints.baseUrl,
      env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/ecs/refresh" },
    }));
    const start = endpoints.requests.length;
    const [a, b] = await Promise.all([provider(), provider()]);
    assert.equal(a, b);
    assert.equal(requestsSince(start).length, 1);

    clock = expires - 6 * 60_000;
    assert.equal(await provider(), a);
    assert.equal(requestsSince(start).length, 1);

    clock = expires - 4 * 60_000;
    const refreshed = await provider();
    assert.equal(requestsSince(start).length, 2);
    assert.notEqual(refreshed?.accessKeyId, a?.accessKeyId);

    // A failed early refresh keeps the still-valid credentials; once expired, the failure surfaces.
    endpoints.state.ecsAuthorization = "now-required";
    clock = expires - 60_000;
    assert.equal(await provider(), refreshed);
    assert.equal(requestsSince(start).length, 3);
    clock = expires + 1;
    await rejectsWith(provider(), "FORBIDDEN");
  } finally {
    endpoints.state.expiration = "2099-01-01T00:00:00Z";
    endpoints.state.ecsAuthorization = undefined;
  }
});

test("region comes from AWS_REGION, then AWS_DEFAULT_REGION, then the profile", async () => {
  const readFile = files({
    "/home/u/.aws/config": "[default]\nregion = ap-south-1\n[profile x]\nregion = sa-east-1\n",
  });
  const env = { HOME: "/home/u" };
  assert.equal(await resolveAwsRegion({ env, readFile }), "ap-south-1");
  assert.equal(await resolveAwsRegion({ env, readFile, profile: "x" }), "sa-east-1");
  assert.equal(
    await resolveAwsRegion({ env: { ...env, AWS_DEFAULT_REGION: "us-west-1" }, readFile }),
    "us-west-1",
  );
  assert.equal(
    await resolveAwsRegion({
      env: { ...env, AWS_DEFAULT_REGION: "us-west-1", AWS_REGION: "us-east-2" },
      readFile,
    }),
    "us-east-2",
  );
  assert.equal(await resolveAwsRegion({ env: {}, readFile }), undefined);
});

test("the S3 endpoint follows AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, services blocks and endpoint_url", async () => {
  const readFile = files({
    "/home/u/.aws/config": "[default]\nendpoint_url = http://profile.example\n" +
      "[profile svc]\nservices = local\nendpoint_url = http://profile.example\n" +
      "[services local]\ns3 =\n  endpoint_url = http://services.example\nsts =\n  endpoint_url = http://sts.example\n",
  });
  const env = { HOME: "/home/u" };
  assert.equal(await resolveS3Endpoint({ env, readFile }), "http://profile.example");
  assert.equal(await resolveS3Endpoint({ env, readFile, profile: "svc" }), "http://services.example");
  const general = { ...env, AWS_ENDPOINT_URL: "http://general.example" };
  assert.equal(await resolveS3Endpoint({ env: general, readFile, profile: "svc" }), "http://general.example");
  const specific = { ...general, AWS_ENDPOINT_URL_S3: "http://s3.example" };
  assert.equal(await resolveS3Endpoint({ env: specific, readFile }), "http://s3.example");
  const ignored = { ...specific, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" };
  assert.equal(await resolveS3Endpoint({ env: ignored, readFile }), undefined);
  assert.equal(await resolveS3Endpoint({ env: {}, readFile }), undefined);
});
