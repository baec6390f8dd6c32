/**
 * The shared AWS config files, `~/.aws/config` and `~/.aws/credentials` (or the files that
 * `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` name), read and parsed the way the AWS CLI does.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import type { AwsConfigOptions } from "./aws_types.ts";

/** One INI section: lowercase keys; nested `key =` blocks flattened to `key.subkey`. */
export type IniSection = Record<string, string>;

/** The shared config files, merged, and the profile selected in them. */
export interface AwsConfig {
  /** The selected profile's name. */
  profileName: string;
  /** Whether the profile was chosen (option or `AWS_PROFILE`) rather than defaulted. */
  profileExplicit: boolean;
  /** Profiles of both files; for one name, the credentials file's keys win. */
  profiles: Map<string, IniSection>;
  /** `[services name]` sections of the config file. */
  services: Map<string, IniSection>;
}

/**
 * Read the shared config and credentials files and select the profile (`profile` option ›
 * `AWS_PROFILE` › `default`). A missing file counts as empty; any other read failure throws.
 *
 * @param options Injected environment and file reader, and an optional profile name.
 * @returns The profiles and `[services …]` sections of both files, and the selected profile's name.
 * @throws {CloudFitsError} `USAGE` when a file exists but cannot be read.
 *
 * @example
 * ```ts
 * import { loadAwsConfig } from "./aws_config_files.ts";
 *
 * const config = await loadAwsConfig({
 *   env: { HOME: "/home/me", AWS_PROFILE: "dev" },
 *   readFile: async (path) => path.endsWith("config") ? "[profile dev]\nregion = eu-west-1\n" : "",
 * });
 * console.log(config.profiles.get(config.profileName)?.region); // eu-west-1
 * ```
 */
export async function loadAwsConfig(options: AwsConfigOptions): Promise<AwsConfig> {
  const { env } = options;
  const chosen = options.profile ?? env.AWS_PROFILE;
  const profileName = chosen || "default";
  const home = env.HOME || env.USERPROFILE;
  const credentialsPath = env.AWS_SHARED_CREDENTIALS_FILE || (home && `${home}/.aws/credentials`);
  const configPath = env.AWS_CONFIG_FILE || (home && `${home}/.aws/config`);
  const profiles = new Map<string, IniSection>();
  const services = new Map<string, IniSection>();
  for (const [section, values] of configPath ? parseIni(await readOptional(options, configPath)) : []) {
    const [kind, ...rest] = section.split(" ");
    const name = rest.join(" ");
    if (section === "default") mergeInto(profiles, "default", values);
    else if (kind === "profile" && name) mergeInto(profiles, name, values);
    else if (kind === "services" && name) mergeInto(services, name, values);
  }
  for (
    const [section, values] of credentialsPath ? parseIni(await readOptional(options, credentialsPath)) : []
  ) {
    mergeInto(profiles, section, values);
  }
  return { profileName, profileExplicit: Boolean(chosen), profiles, services };
}

function mergeInto(map: Map<string, IniSection>, name: string, values: IniSection): void {
  map.set(name, { ...map.get(name), ...values });
}

async function readOptional(options: AwsConfigOptions, path: string): Promise<string> {
  try {
    return await options.readFile(path);
  } catch (cause) {
    const code = (cause as { code?: unknown })?.code;
    if (code === "ENOENT" || code === "ENOTDIR" || (cause as Error)?.name === "NotFound") return "";
    throw new CloudFitsError("USAGE", `Cannot read AWS config file ${path}`, { url: path, cause });
  }
}

/**
 * Parse an AWS-style INI file: `[section]` headers, `key = value` lines, `#`/`;` comments (whole
 * lines, or after whitespace), and indented `key = value` lines under a `key =` line with no value.
 */
function parseIni(text: string): Map<string, IniSection> {
  const sections = new Map<string, IniSection>();
  let current: IniSection | undefined;
  let parent: string | undefined;
  for (const line of text.replace(/^\uFEFF/, "").split(/\r?\n|\r/)) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed[0] === "#" || trimmed[0] === ";") continue;
    const header = /^\[([^\]]*)\]/.exec(trimmed);
    if (header) {
      const name = header[1].trim().replace(/\s+/g, " ");
      current = sections.get(name) ?? {};
      sections.set(name, current);
      parent = undefined;
      continue;
    }
    const equals = trimmed.indexOf("=");
    if (!current || equals <= 0) continue;
    const key = trimmed.slice(0, equals).trim().toLowerCase();
    const value = trimmed.slice(equals + 1).replace(/\s[#;].*$/, "").trim();
    if (/^\s/.test(line) && parent !== undefined) {
      current[`${parent}.${key}`] = value;
    } else {
      current[key] = value;
      parent = value === "" ? key : undefined;
    }
  }
  return sections;
}
