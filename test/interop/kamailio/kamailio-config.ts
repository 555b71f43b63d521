/**
 * A kamailio.cfg for the interop tests (kamailio 5.6): UDP on 127.0.0.1 at
 * an ephemeral port, no database. REGISTER is authenticated by the `auth`
 * module against a fixed password (pv_auth_check, auth_challenge: 401 with
 * qop=auth) and kept in memory (registrar + usrloc, db_mode 0). INVITEs are
 * authenticated the same way (407) and then proxied statefully (tm) with
 * Record-Route (rr) to a static next hop: the sipp UAS. OPTIONS to the
 * proxy itself are answered 200 (keep-alive). A REGISTER without Contact
 * after authentication lists the bindings (RFC 3261 §10.2.3).
 */

export interface KamailioConfig {
  readonly port: number;
  /** The auth module's `algorithm`: kamailio 5.6 offers one per instance. */
  readonly algorithm: "MD5" | "SHA-256";
  /** The password of every user (pv_auth_check with checks=1: the auth user must be the To/From user). */
  readonly password: string;
  /** Where INVITEs for user `uas` go. */
  readonly uasPort: number;
  readonly modulesDir?: string;
}

export const KAMAILIO_MODULES = "/usr/lib/x86_64-linux-gnu/kamailio/modules/";

export function kamailioCfg(c: KamailioConfig): string {
  const q = (s: string): string => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
  return `#!KAMAILIO
debug=2
log_stderror=yes
memdbg=5
memlog=5
children=2
disable_tcp=yes
auto_aliases=no
listen=udp:127.0.0.1:${c.port}
alias="127.0.0.1:${c.port}"

mpath="${q(c.modulesDir ?? KAMAILIO_MODULES)}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"

modparam("usrloc", "db_mode", 0)
modparam("registrar", "min_expires", 2)
modparam("registrar", "default_expires", 60)
modparam("auth", "algorithm", "${c.algorithm}")
modparam("auth", "nonce_expire", 60)
modparam("auth", "secret", "sipt-gw-interop-secret")
modparam("rr", "append_fromtag", 1)

request_route {
    xlog("L_INFO", "IN $rm $ru from $si:$sp\\n");
    if (!mf_process_maxfwd_header("10")) {
        sl_send_reply("483", "Too Many Hops");
        exit;
    }
    if (has_totag()) {
        if (loose_route()) {
            t_relay();
            exit;
        }
        if (is_method("ACK")) {
            if (t_check_trans()) t_relay();
            exit;
        }
        sl_send_reply("404", "Not here");
        exit;
    }
    if (is_method("CANCEL")) {
        if (t_check_trans()) t_relay();
        exit;
    }
    if (is_method("OPTIONS") && $rU == $null) {
        sl_send_reply("200", "Keepalive");
        exit;
    }
    if (is_method("REGISTER")) {
        if (!pv_auth_check("$td", "${q(c.password)}", "0", "1")) {
            xlog("L_INFO", "REGISTER challenged: $rc\\n");
            auth_challenge("$td", "1");
            exit;
        }
        consume_credentials();
        if (!save("location")) sl_reply_error();
        exit;
    }
    if (is_method("INVITE")) {
        if (!pv_auth_check("$fd", "${q(c.password)}", "0", "1")) {
            xlog("L_INFO", "INVITE challenged: $rc\\n");
            auth_challenge("$fd", "1");
            exit;
        }
        consume_credentials();
        if ($rU != "uas") {
            sl_send_reply("404", "Not Found");
            exit;
        }
        record_route();
        $du = "sip:127.0.0.1:${c.uasPort}";
        if (!t_relay()) sl_reply_error();
        exit;
    }
    sl_send_reply("405", "Method Not Allowed");
}
`;
}
