/*
 * cmd.h - the commands of csgw, and what they share.
 *
 * Each command parses its own arguments, calls the core, prints, and
 * returns a sysexits.h code (DESIGN.md section 7).
 */
#ifndef CSGW_CMD_CMD_H
#define CSGW_CMD_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "io/fs.h"
#include "ops/setup.h"

/* Options given before the command. */
struct globals {
	const char *conf_path;   /* -c FILE */
	const char *environment; /* --environment, overrides the file */
	const char *mappings;    /* --mappings DIR, overrides the file */
	bool quiet;              /* --quiet: no progress line (util/progress.h) */
};

/* setup_load() with the global options. */
int cmd_setup(const struct globals *, bool conf_required, struct setup *);

/* Handles --environment given after a command name. */
int cmd_environment_option(struct globals *, const char *value);

/* Whether an argument before "--" is --help or -h; cmd_want_help also
 * prints the usage to stdout then. */
bool cmd_asks_help(int argc, char **argv);
bool cmd_want_help(int argc, char **argv, const char *usage);

/* Checks an --ssn value (dashes allowed): its 9 digits into 'digits', the
 * mask into 'masked'.  0, or EX_USAGE after printing why (masked). */
int cmd_ssn_option(const struct setup *, const char *arg, char digits[10], char masked[16]);

/* Verifies FILE's signature (sig_opt, else FILE.p7s) against the CA bundle
 * (ca_opt, else gateway.conf) and, when 'partner' is given, that partner's
 * certificate.  0, or an exit code after printing the one-line reason. */
struct cms_signed_by;
int cmd_verify_file(const struct setup *, const char *partner, const char *ca_opt, const char *file,
                    const char *sig_opt, struct cms_signed_by *);

/* A JSON string (quotes, escapes) on standard output, or on 'out'. */
void cmd_json_string(const char *);
void cmd_json_string_to(FILE *out, const char *);

/* csgw locate|refer list|show: argv[0] is "list" or "show"; 'kind' is
 * "locate" or "referral".  An exit code. */
int cmd_casework_view(struct globals *, const char *kind, int argc, char **argv);

/* The command table (cmd/commands.c): the summaries for --help, and the
 * command argv[0] run with its arguments. */
void cmd_list(FILE *out);
int cmd_dispatch(struct globals *, int argc, char **argv);

/* The control socket (cmd/control.c).  control_client: a person's command
 * that the daemon serves is sent there (*forwarded, with its exit code);
 * anything else is left to run here.  control_serve: one request on
 * descriptor 3, as the daemon's child.  control_server_start/stop: the
 * daemon's listener, beside its cycles ('log' gets its lines). */
int control_client(struct globals *, int argc, char **argv, bool *forwarded);
/* A command's FILE operand: 0, or (for a person's request served by the
 * daemon, when it is not a file the person passed open) EX_NOPERM after
 * printing why and logging the refusal. */
int cmd_input_file(const char *arg);
/* A file a command writes (-o FILE): run directly, a temporary beside it
 * renamed onto it at commit (io/fs.h, "-" standard output); for a person
 * served by the daemon, only the file their csgw made and passed open
 * (it is renamed there when the command ends), anything else refused like
 * cmd_input_file.  Open: 0 or an exit code after printing why; commit: 0
 * or -1 with errno. */
struct cmd_output {
	FILE *fp;
	const char *name; /* as the person named it, for messages */
	struct out_file of;
	bool passed;
};
int cmd_output_open(const char *arg, struct cmd_output *);
int cmd_output_commit(struct cmd_output *);
void cmd_output_abort(struct cmd_output *);
/* audit report: the detail CSV the command writes beside -o FILE.html
 * when --detail is not given (caller frees); NULL without -o FILE. */
char *cmd_report_detail(int argc, char **argv);
int control_serve(struct globals *);
struct control_server;
int control_server_start(const struct globals *, const struct setup *, FILE *log,
                         struct control_server **);
void control_server_stop(struct control_server *);

int cmd_map(struct globals *, int argc, char **argv);
int cmd_unmap(struct globals *, int argc, char **argv);
int cmd_validate(struct globals *, int argc, char **argv);
int cmd_mapping(struct globals *, int argc, char **argv);
int cmd_check_config(struct globals *, int argc, char **argv);
int cmd_purge(struct globals *, int argc, char **argv);
int cmd_sign(struct globals *, int argc, char **argv);
int cmd_verify(struct globals *, int argc, char **argv);
int cmd_receipt(struct globals *, int argc, char **argv);
int cmd_partner(struct globals *, int argc, char **argv);
int cmd_send(struct globals *, int argc, char **argv);
int cmd_fetch(struct globals *, int argc, char **argv);
int cmd_run(struct globals *, int argc, char **argv);
int cmd_status(struct globals *, int argc, char **argv);
int cmd_queue(struct globals *, int argc, char **argv);
int cmd_audit(struct globals *, int argc, char **argv);
int cmd_policy(struct globals *, int argc, char **argv);
int cmd_protect(struct globals *, int argc, char **argv);
int cmd_case(struct globals *, int argc, char **argv);
int cmd_locate(struct globals *, int argc, char **argv);
int cmd_refer(struct globals *, int argc, char **argv);
int cmd_parse_child(struct globals *, int argc, char **argv);
int cmd_verify_child(struct globals *, int argc, char **argv);

#endif
