/**
 * The `harpoon` section of a profile: the embedded Harpoon server's targets,
 * limits and OAuth auto-registration filters, with the reference daemon's
 * keys and defaults. Values are checked here, by their YAML path.
 */
import { z } from 'zod';
import { harpoonTargetProblem, HARPOON_LABEL_PATTERN, HARPOON_MAX_REDIRECTS, HARPOON_MAX_RESPONSE_BYTES } from '../engine/harpoon/config';
import { checkProxy, fail } from './schemaChecks';

const doc = (description: string) => ({ description });

const HarpoonTargetSchema = z
  .strictObject({
    label: z.string().regex(HARPOON_LABEL_PATTERN, 'must be 1 to 64 lowercase letters, digits, "_" or "-", starting with a letter or digit').meta(doc('Name the agent calls the target by (list_targets, call_target).')),
    url: z.string().min(1, 'must not be empty').meta(doc('URL prefix the target allows: calls stay on its scheme, host and port, at or below its path.')),
    unixSocket: z.string().min(1, 'must not be empty').optional().meta(doc("Reach the target's HTTP server over this Unix socket instead of TCP.")),
    description: z.string().optional().meta(doc('Shown to the agent by list_targets.')),
  })
  .meta(doc('One allowlisted Harpoon target.'));

export const HarpoonSchema = z
  .strictObject({
    targets: z.array(HarpoonTargetSchema).max(10_000, 'must have at most 10000 targets').default([]).meta(doc('Allowlisted targets; the harpoon channel is served while there is at least one.')),
    allowPlaintextHttp: z.boolean().default(false).meta(doc('Allow http:// targets and redirects (default false: https only).')),
    maxResponseBytes: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be positive')
      .max(HARPOON_MAX_RESPONSE_BYTES, `must be less than or equal to ${HARPOON_MAX_RESPONSE_BYTES}`)
      .default(HARPOON_MAX_RESPONSE_BYTES)
      .meta(doc(`Largest response body a call reads, in bytes (default and ceiling ${HARPOON_MAX_RESPONSE_BYTES}); larger answers are cut and refused.`)),
    maxRedirects: z
      .number()
      .int('must be a whole number')
      .min(0, 'must be non-negative')
      .max(HARPOON_MAX_REDIRECTS, `must be less than or equal to ${HARPOON_MAX_REDIRECTS}`)
      .default(HARPOON_MAX_REDIRECTS)
      .meta(doc(`Most redirects a call follows, each checked against the target (default and ceiling ${HARPOON_MAX_REDIRECTS}).`)),
    httpProxy: z.string().superRefine(checkProxy).optional().meta(doc('HTTP proxy for Harpoon calls (URL or env:NAME). Through a proxy, the proxy resolves host names.')),
    capturePayloads: z.boolean().default(false).meta(doc('Keep request and response bodies (redacted) in the dashboard call history.')),
    hostsIncludeSuffix: z.array(z.string()).default([]).meta(doc('Host suffixes treated as private when OAuth discovery registers authorization-server endpoints.')),
    hostsIncludeRegex: z
      .array(z.string())
      .default([])
      .superRefine((patterns, ctx) =>
        patterns.forEach((p, i) => {
          try {
            new RegExp(p, 'i');
          } catch {
            fail(ctx, 'is not a valid regular expression', 'Fix the pattern, e.g. ^auth\\.corp\\.example$', [i]);
          }
        }),
      )
      .meta(doc('Host name patterns (case-insensitive) treated as private for OAuth auto-registration.')),
    hostsIncludeLoopback: z.boolean().default(true).meta(doc('Treat loopback hosts as private for OAuth auto-registration.')),
    hostsIncludePrivate: z.boolean().default(true).meta(doc('Treat RFC 1918 and IPv6 ULA addresses as private for OAuth auto-registration.')),
  })
  .superRefine((h, ctx) => {
    const seen = new Set<string>();
    h.targets.forEach((t, i) => {
      if (seen.has(t.label)) fail(ctx, `lists the label ${t.label} twice`, 'Give every target its own label', ['targets', i, 'label']);
      seen.add(t.label);
      const problem = harpoonTargetProblem(t, h.allowPlaintextHttp);
      if (problem && !problem.startsWith('label')) {
        fail(ctx, problem.replace(/^url /, 'is ').replace('needs allow_plaintext_http: true', 'needs harpoon.allow_plaintext_http: true'), problem.includes('plaintext') ? 'Use https://, or set allow_plaintext_http: true for a target on a trusted network' : 'Write an absolute http(s) URL without user info, fragment or dot segments', ['targets', i, 'url']);
      }
    });
  })
  .prefault({})
  .meta(doc('Harpoon: a constrained outbound HTTP client for allowlisted private targets, served to the agent on channel harpoon.'));
