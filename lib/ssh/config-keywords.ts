/**
 * Every keyword OpenSSH 9.2's client accepts (readconf.c's table, with Debian's GSSAPI and
 * keep-alive additions), checked one by one against `ssh -G -o KEYWORD=x` of that build. A
 * keyword outside this list makes ssh refuse the whole file, so octoi refuses it too.
 */
const KEYWORDS = `
  addkeystoagent addressfamily batchmode bindaddress bindinterface canonicaldomains
  canonicalizefallbacklocal canonicalizehostname canonicalizemaxdots canonicalizepermittedcnames
  casignaturealgorithms certificatefile challengeresponseauthentication checkhostip ciphers
  clearallforwardings compression connectionattempts connecttimeout controlmaster controlpath
  controlpersist dsaauthentication dynamicforward enableescapecommandline enablesshkeysign escapechar
  exitonforwardfailure fingerprinthash forkafterauthentication forwardagent forwardx11
  forwardx11timeout forwardx11trusted gatewayports globalknownhostsfile gssapiauthentication
  gssapiclientidentity gssapidelegatecredentials gssapikexalgorithms gssapikeyexchange
  gssapirenewalforcesrekey gssapiserveridentity gssapitrustdns hashknownhosts host
  hostbasedacceptedalgorithms hostbasedauthentication hostbasedkeytypes hostkeyalgorithms hostkeyalias
  hostname identitiesonly identityagent identityfile identityfile2 ignoreunknown include ipqos
  kbdinteractiveauthentication kbdinteractivedevices keepalive kexalgorithms knownhostscommand
  localcommand localforward loglevel logverbose macs match nohostauthenticationforlocalhost
  numberofpasswordprompts passwordauthentication permitlocalcommand permitremoteopen pkcs11provider
  port preferredauthentications protocolkeepalives proxycommand proxyjump proxyusefdpass
  pubkeyacceptedalgorithms pubkeyacceptedkeytypes pubkeyauthentication rekeylimit remotecommand
  remoteforward requesttty requiredrsasize revokedhostkeys securitykeyprovider sendenv
  serveralivecountmax serveraliveinterval sessiontype setenv setuptimeout skeyauthentication
  smartcarddevice stdinnull streamlocalbindmask streamlocalbindunlink stricthostkeychecking
  syslogfacility tcpkeepalive tisauthentication tunnel tunneldevice updatehostkeys user
  userknownhostsfile verifyhostkeydns visualhostkey xauthlocation
  protocol cipher fallbacktorsh globalknownhostsfile2 rhostsauthentication userknownhostsfile2
  useroaming usersh useprivilegedport useblacklistedkeys
  afstokenpassing kerberosauthentication kerberostgtpassing rsaauthentication rhostsrsaauthentication
  compressionlevel
`;

const KNOWN = new Set(KEYWORDS.split(/\s+/).filter(Boolean));

/** Keywords are compared lowercased, as readconf.c lowercases them before the lookup. */
export function isKnownKeyword(keyword: string): boolean {
  return KNOWN.has(keyword);
}

/** readconf.c's aliases, so the first value obtained under either name wins. */
const ALIASES: Record<string, string> = { identityfile2: 'identityfile' };

export function canonicalKeyword(keyword: string): string {
  return ALIASES[keyword] ?? keyword;
}
