// perl reads these at start: a user's PERL5OPT must reach the command, never lanes' launcher.
const PERL_ENV = ["PERL5OPT", "PERL5LIB", "PERLLIB", "PERL5DB"];

/** `env` with the perl variables renamed __LANES_KEEP_NAME, so lanes' own perl starts clean. */
export function hidePerlEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const hidden = { ...env };
  for (const name of PERL_ENV) {
    if (hidden[name] === undefined) continue;
    hidden[`__LANES_KEEP_${name}`] = hidden[name];
    delete hidden[name];
  }
  return hidden;
}

/**
 * Perl that gives the hidden variables back their names, before the command is started: four lookups, not a
 * walk of %ENV (which copies every key in each forked launcher, and so touches its pages).
 */
export const RESTORE_PERL_ENV = `for (qw(${PERL_ENV.join(" ")})) { $ENV{$_} = delete $ENV{"__LANES_KEEP_$_"} if exists $ENV{"__LANES_KEEP_$_"} }`;
