/* test-cli.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The `osais` tool as a person uses it: its output, its files and its exit
 * statuses, against the in-process simulator.
 */

#define G_LOG_DOMAIN "OsaisTestCli"

#include <locale.h>
#include <signal.h>
#include <string.h>

#include <json-glib/json-glib.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "osais-core.h"
#include "osais-test-utils.h"

typedef struct
{
  int    status;
  char  *out;
  char  *err;
} Outcome;

static void
outcome_free (Outcome *outcome)
{
  g_free (outcome->out);
  g_free (outcome->err);
  g_free (outcome);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Outcome, outcome_free)

static char *data_dir;

/* Runs the CLI with the test's data folder and @args (NULL-terminated). */
static Outcome *
run_cli (const char *first,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Outcome *outcome = g_new0 (Outcome, 1);
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (char *) g_getenv ("OSAIS_CLI"));
  g_ptr_array_add (argv, (char *) "--data-dir");
  g_ptr_array_add (argv, data_dir);
  va_start (args, first);
  for (arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &outcome->out, &outcome->err, &error);
  g_assert_no_error (error);
  /* A CLI killed by a signal (a sanitizer's abort) says why on its stderr. */
  if (!g_subprocess_get_if_exited (process))
    g_test_message ("killed by a signal\nstderr:\n%s", outcome->err);
  g_assert_true (g_subprocess_get_if_exited (process));
  outcome->status = g_subprocess_get_exit_status (process);
  g_test_message ("exit %d\nstdout:\n%s\nstderr:\n%s", outcome->status, outcome->out,
                  outcome->err);
  return outcome;
}

/* check ------------------------------------------------------------------ */

/* Points the CLI's tunnel finders at @ngrok_api only (NULL: at nothing),
 * never at a tunnel that may run on this machine. */
static void
set_tunnel_apis (const char *ngrok_api)
{
  g_autofree char *closed = g_strdup_printf ("http://127.0.0.1:%u", osais_test_closed_port ());

  g_setenv ("OSAIS_NGROK_API", ngrok_api != NULL ? ngrok_api : closed, TRUE);
  g_setenv ("OSAIS_CLOUDFLARED_METRICS", "", TRUE);
}

static char *
ngrok_agent_list (const char *public_url,
                  guint       port)
{
  return g_strdup_printf ("{\"tunnels\":[{\"name\":\"command_line\",\"public_url\":\"%s\","
                          "\"proto\":\"https\",\"config\":{\"addr\":\"http://localhost:%u\"}}]}",
                          public_url, port);
}

/* `osais check --json` on @public_url with the CLI's server on @port;
 * asserts the exit status and the verdict, and returns the JSON. */
static JsonObject *
check_json (const char *public_url,
            guint       port,
            int         expected_status,
            const char *expected_verdict)
{
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", port);
  g_autoptr(Outcome) outcome = run_cli ("check", "--listen", listen, "--public-url", public_url,
                                        "--json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  g_assert_cmpint (outcome->status, ==, expected_status);
  json_parser_load_from_data (parser, outcome->out, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "verdict"), ==, expected_verdict);
  g_assert_cmpint (json_object_get_int_member (root, "listen_port"), ==, port);
  g_assert_nonnull (json_object_get_string_member (root, "message"));
  return json_object_ref (root);
}

/* Without --public-url, the CLI finds the ngrok tunnel to its port, says
 * so, and the round trip through it reaches its own server: exit 0. */
static void
test_check_found_tunnel_reachable (void)
{
  guint port = osais_test_closed_port ();
  g_autofree char *server = g_strdup_printf ("http://127.0.0.1:%u", port);
  g_autoptr(OsaisTestFake) tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD, server);
  g_autofree char *list = ngrok_agent_list (osais_test_fake_get_origin (tunnel), port);
  g_autoptr(OsaisTestFake) agent = osais_test_fake_new (OSAIS_TEST_FAKE_NGROK_API, list);
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", port);
  g_autofree char *using = g_strdup_printf ("using the ngrok tunnel %s, which forwards to port %u",
                                            osais_test_fake_get_origin (tunnel), port);
  g_autoptr(Outcome) outcome = NULL;

  set_tunnel_apis (osais_test_fake_get_origin (agent));
  outcome = run_cli ("check", "--listen", listen, NULL);
  g_assert_cmpint (outcome->status, ==, 0);
  g_assert_nonnull (strstr (outcome->err, using));
  g_assert_true (g_str_has_prefix (outcome->out, "Reachable: "));
  g_assert_null (strstr (outcome->out, "fix:"));
}

static void
test_check_reachable_json (void)
{
  guint port = osais_test_closed_port ();
  g_autofree char *server = g_strdup_printf ("http://127.0.0.1:%u", port);
  g_autoptr(OsaisTestFake) tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD, server);
  g_autoptr(JsonObject) root = NULL;

  set_tunnel_apis (NULL);
  root = check_json (osais_test_fake_get_origin (tunnel), port, 0, "reachable");
  g_assert_cmpint (json_object_get_int_member (root, "status"), ==, 200);
  g_assert_cmpint (json_object_get_int_member (root, "round_trip_ms"), >=, 0);
  g_assert_true (json_object_get_null_member (root, "fix"));
}

static void
test_check_not_reachable (void)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", osais_test_closed_port ());
  g_autoptr(JsonObject) root = NULL;

  set_tunnel_apis (NULL);
  root = check_json (url, osais_test_closed_port (), 5, "not-reachable");
  g_assert_true (json_object_get_null_member (root, "status"));
}

static void
test_check_no_origin (void)
{
  g_autoptr(OsaisTestFake) tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_NO_ORIGIN, NULL);
  g_autoptr(JsonObject) root = NULL;

  set_tunnel_apis (NULL);
  root = check_json (osais_test_fake_get_origin (tunnel), osais_test_closed_port (), 5,
                     "no-origin");
  g_assert_cmpint (json_object_get_int_member (root, "status"), ==, 502);
}

static void
test_check_warning_page (void)
{
  g_autoptr(OsaisTestFake) tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_WARNING_PAGE, NULL);
  g_autoptr(JsonObject) root = NULL;

  set_tunnel_apis (NULL);
  root = check_json (osais_test_fake_get_origin (tunnel), osais_test_closed_port (), 5,
                     "warning-page");
}

static void
test_check_other_server (void)
{
  g_autoptr(OsaisTestFake) stray = osais_test_fake_new (OSAIS_TEST_FAKE_STRAY, NULL);
  g_autoptr(OsaisTestFake) tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD,
                                                          osais_test_fake_get_origin (stray));
  g_autoptr(JsonObject) root = NULL;

  set_tunnel_apis (NULL);
  root = check_json (osais_test_fake_get_origin (tunnel), osais_test_closed_port (), 5,
                     "other-server");
}

static void
test_check_wrong_path (void)
{
  guint port = osais_test_closed_port ();
  g_autofree char *server = g_strdup_printf ("http://127.0.0.1:%u", port);
  g_autoptr(OsaisTestFake) tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD, server);
  g_autofree char *url = g_strconcat (osais_test_fake_get_origin (tunnel), "/osais/", NULL);
  g_autoptr(JsonObject) root = NULL;

  set_tunnel_apis (NULL);
  root = check_json (url, port, 5, "wrong-path");
  g_assert_cmpint (json_object_get_int_member (root, "status"), ==, 404);
}

/* A 429 through the tunnel (our check route answers 20 a second) is its own
 * verdict, with the same exit status as every other unreachable one. */
static void
test_check_rate_limited (void)
{
  g_autofree char *answer = osais_error_body_new (429, "Too many checks");
  g_autoptr(OsaisTestFake) tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_RATE_LIMITED, answer);
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", osais_test_closed_port ());
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(Outcome) outcome = NULL;

  set_tunnel_apis (NULL);
  root = check_json (osais_test_fake_get_origin (tunnel), osais_test_closed_port (), 5,
                     "rate-limited");
  g_assert_cmpint (json_object_get_int_member (root, "status"), ==, 429);
  g_assert_cmpstr (json_object_get_string_member (root, "fix"), ==,
                   "Checked too often; try again in a few seconds.");

  outcome = run_cli ("check", "--listen", listen, "--public-url",
                     osais_test_fake_get_origin (tunnel), NULL);
  g_assert_cmpint (outcome->status, ==, 5);
  g_assert_nonnull (strstr (outcome->out, "more than its 20 checks a second"));
  g_assert_nonnull (strstr (outcome->out, "fix: Checked too often; try again in a few seconds."));
  g_assert_null (strstr (outcome->out, "Another server"));
}

/* The only tunnel forwards to another port: said so, nothing checked. */
static void
test_check_tunnel_wrong_port (void)
{
  guint port = osais_test_closed_port ();
  g_autofree char *list = ngrok_agent_list ("https://abc.ngrok.app", 8080);
  g_autoptr(OsaisTestFake) agent = osais_test_fake_new (OSAIS_TEST_FAKE_NGROK_API, list);
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", port);
  g_autofree char *expected = g_strdup_printf ("ngrok forwards to port 8080; "
                                               "the callback server listens on %u", port);
  g_autoptr(Outcome) outcome = NULL;

  set_tunnel_apis (osais_test_fake_get_origin (agent));
  outcome = run_cli ("check", "--listen", listen, NULL);
  g_assert_cmpint (outcome->status, ==, 5);
  g_assert_nonnull (strstr (outcome->out, expected));
  g_assert_null (strstr (outcome->err, "checking"));
}

static void
test_check_no_tunnel (void)
{
  g_autoptr(Outcome) outcome = NULL;

  set_tunnel_apis (NULL);
  outcome = run_cli ("check", "--listen", "127.0.0.1:0", NULL);
  g_assert_cmpint (outcome->status, ==, 5);
  g_assert_nonnull (strstr (outcome->out, "No running tunnel"));
  g_assert_nonnull (strstr (outcome->err, "--public-url"));
}

/* run --------------------------------------------------------------------- */

static void
test_run_diffusion_prints_paths (void)
{
  g_autoptr(Outcome) outcome = run_cli ("--simulator", "run", "diffusion",
                                        "word=a red fox in snow", "cimg=2", NULL);
  g_auto(GStrv) lines = NULL;

  g_assert_cmpint (outcome->status, ==, 0);
  lines = g_strsplit (g_strstrip (outcome->out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_cmpstr (lines[0], !=, lines[1]);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_true (g_path_is_absolute (lines[i]));
      g_assert_true (g_str_has_prefix (lines[i], data_dir));
      g_assert_true (g_file_test (lines[i], G_FILE_TEST_IS_REGULAR));
    }
}

static void
test_run_wrong_parameter (void)
{
  g_autoptr(Outcome) bad_value = run_cli ("--simulator", "run", "diffusion",
                                          "word=x", "steps=999", NULL);
  g_autoptr(Outcome) unknown = run_cli ("--simulator", "run", "diffusion",
                                        "word=x", "colour=blue", NULL);
  g_autoptr(Outcome) missing = run_cli ("--simulator", "run", "ping", NULL);

  g_assert_cmpint (bad_value->status, ==, 2);
  g_assert_nonnull (strstr (bad_value->err, "steps"));
  g_assert_cmpstr (bad_value->out, ==, "");

  g_assert_cmpint (unknown->status, ==, 2);
  g_assert_nonnull (strstr (unknown->err, "colour"));

  g_assert_cmpint (missing->status, ==, 2);
  g_assert_nonnull (strstr (missing->err, "url_upload"));
}

/* Whether this C library heeds LANGUAGE in the C.UTF-8 locale, the only one
 * a bare system (or the Debian 13 test root) is sure to have: glibc 2.36
 * does, later ones treat C.UTF-8 like C and ignore it. */
static gboolean
language_heeded_in_c_utf8 (const char *locale_dir)
{
  static const char msgid[] = "“%s” is not a valid value for “%s”: expected %s";
  g_autofree char *saved = g_strdup (setlocale (LC_MESSAGES, NULL));
  gboolean heeded;

  if (setlocale (LC_MESSAGES, "C.UTF-8") == NULL)
    return FALSE;
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  g_setenv ("LANGUAGE", "fr", TRUE);
  heeded = g_strcmp0 (dgettext (GETTEXT_PACKAGE, msgid), msgid) != 0;
  g_unsetenv ("LANGUAGE");
  setlocale (LC_MESSAGES, saved);
  return heeded;
}

/* The core's messages speak the user's language: a refused value in French,
 * with the catalogue compiled in the build folder. */
static void
test_run_wrong_parameter_french (void)
{
  g_autofree char *locale_dir = g_test_build_filename (G_TEST_BUILT, "..", "po", NULL);
  g_autoptr(Outcome) bad_value = NULL;

  if (!language_heeded_in_c_utf8 (locale_dir))
    {
      g_test_skip ("no French locale, and LANGUAGE is ignored in C.UTF-8 here");
      return;
    }

  g_setenv ("OSAIS_LOCALE_DIR", locale_dir, TRUE);
  g_setenv ("LANG", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "fr", TRUE);
  bad_value = run_cli ("--simulator", "run", "diffusion", "word=x", "seed=abc", NULL);
  g_unsetenv ("LANGUAGE");
  g_unsetenv ("OSAIS_LOCALE_DIR");

  g_assert_cmpint (bad_value->status, ==, 2);
  g_assert_nonnull (strstr (bad_value->err,
                            "«\u00a0abc\u00a0» n’est pas une valeur valide pour «\u00a0seed\u00a0»"));
  g_assert_null (strstr (bad_value->err, "is not a valid value"));
}

static void
test_usage_errors (void)
{
  g_autoptr(Outcome) no_command = run_cli (NULL, NULL);
  g_autoptr(Outcome) bad_command = run_cli ("paint", NULL);
  g_autoptr(Outcome) bad_engine = run_cli ("--simulator", "run", "teleport", NULL);
  g_autoptr(Outcome) no_input = run_cli ("--simulator", "run", "diffusion", "word=x",
                                         "--input", "/nonexistent/picture.png", NULL);

  g_assert_cmpint (no_command->status, ==, 2);
  g_assert_cmpint (bad_command->status, ==, 2);
  g_assert_nonnull (strstr (bad_command->err, "paint"));
  g_assert_cmpint (bad_engine->status, ==, 2);
  g_assert_nonnull (strstr (bad_engine->err, "teleport"));
  g_assert_cmpint (no_input->status, ==, 2);
  g_assert_nonnull (strstr (no_input->err, "/nonexistent/picture.png"));
}

static void
test_run_ping_with_input (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = osais_simulator_render_png ("input", 11, 300, 200, &error);
  g_autofree char *input = g_build_filename (data_dir, "..", "cli-input.png", NULL);
  g_autoptr(Outcome) outcome = NULL;
  g_autofree char *output = NULL;
  gsize length;

  g_assert_no_error (error);
  g_file_set_contents (input, g_bytes_get_data (png, NULL), g_bytes_get_size (png), &error);
  g_assert_no_error (error);

  outcome = run_cli ("--simulator", "run", "ping", "--input", input, NULL);
  g_assert_cmpint (outcome->status, ==, 0);
  g_file_get_contents (g_strstrip (outcome->out), &output, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (output, length, g_bytes_get_data (png, NULL), g_bytes_get_size (png));
  g_unlink (input);
}

static void
test_run_failed_job (void)
{
  g_autoptr(Outcome) outcome = NULL;

  g_setenv ("OSAIS_SIMULATOR_FAIL_ENGINE", "diffusion", TRUE);
  outcome = run_cli ("--simulator", "run", "diffusion", "word=doomed", NULL);
  g_unsetenv ("OSAIS_SIMULATOR_FAIL_ENGINE");

  g_assert_cmpint (outcome->status, ==, 1);
  g_assert_nonnull (strstr (outcome->err, "failed"));
}

static void
test_run_timeout (void)
{
  g_autoptr(Outcome) outcome = NULL;

  g_setenv ("OSAIS_SIMULATOR_STEP_DELAY", "3000", TRUE);
  outcome = run_cli ("--simulator", "run", "diffusion", "word=slow", "--timeout", "1", NULL);
  g_unsetenv ("OSAIS_SIMULATOR_STEP_DELAY");

  g_assert_cmpint (outcome->status, ==, 4);
  g_assert_nonnull (strstr (outcome->err, "timed out"));
}

static void
test_network_error (void)
{
  /* Port 1 on loopback: nothing listens there, the connection is refused. */
  g_autoptr(Outcome) outcome = run_cli ("--server", "http://127.0.0.1:1/", "login", NULL);

  g_assert_cmpint (outcome->status, ==, 3);
  g_assert_nonnull (strstr (outcome->err, "127.0.0.1:1"));
}

/* `osais run` stopped by @signum while its job runs: it says so, exits with
 * the shell's status for that signal and no warning, and the job it sent is
 * in the history. */
static void
interrupt_run (int signum)
{
  const char *argv[] = { g_getenv ("OSAIS_CLI"), "--data-dir", data_dir, "--simulator", "run",
                         "diffusion", "word=interrupted", NULL };
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) err = NULL;
  g_autoptr(GString) all_err = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *rest = NULL;
  char *line;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* Slow enough that the job is still running when the signal comes. */
  g_subprocess_launcher_setenv (launcher, "OSAIS_SIMULATOR_STEP_DELAY", "10000", TRUE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);

  /* The handlers are in place once the request is on its way. */
  err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
  while ((line = g_data_input_stream_read_line_utf8 (err, NULL, NULL, &error)) != NULL)
    {
      gboolean accepted = strstr (line, "accepted") != NULL;

      g_string_append_printf (all_err, "%s\n", line);
      g_free (line);
      if (accepted)
        break;
    }
  g_assert_no_error (error);
  g_assert_nonnull (strstr (all_err->str, "accepted"));

  g_subprocess_send_signal (process, signum);
  rest = g_data_input_stream_read_upto (err, "", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_string_append (all_err, rest != NULL ? rest : "");
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("stderr:\n%s", all_err->str);

  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 128 + signum);
  g_assert_nonnull (strstr (all_err->str, signum == SIGTERM ? "interrupted by SIGTERM"
                                                            : "interrupted by SIGINT"));
  g_assert_null (strstr (all_err->str, "CRITICAL"));
  g_assert_null (strstr (all_err->str, "WARNING"));
}

static void
test_run_interrupted (void)
{
  g_autoptr(Outcome) jobs = NULL;

  interrupt_run (SIGINT);
  interrupt_run (SIGTERM);

  jobs = run_cli ("jobs", "--json", NULL);
  g_assert_cmpint (jobs->status, ==, 0);
  g_assert_nonnull (strstr (jobs->out, "interrupted"));
}

/* Runs the CLI like run_cli(), but iterating the main context meanwhile,
 * for a receiver in this process to answer it. */
static Outcome *
run_cli_async (const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Outcome *outcome = g_new0 (Outcome, 1);

  g_ptr_array_add (argv, (char *) g_getenv ("OSAIS_CLI"));
  g_ptr_array_add (argv, (char *) "--data-dir");
  g_ptr_array_add (argv, data_dir);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, osais_test_store_result_cb, &result);
  osais_test_wait_for_result (&result, "the osais command");
  g_subprocess_communicate_utf8_finish (process, result, &outcome->out, &outcome->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  outcome->status = g_subprocess_get_exit_status (process);
  g_test_message ("exit %d\nstdout:\n%s\nstderr:\n%s", outcome->status, outcome->out,
                  outcome->err);
  return outcome;
}

/* Before a paid request to a real OSAIS, `osais run` checks the public URL
 * and, when callbacks could not arrive, stops with the verdict (exit 5)
 * without sending anything. */
static void
test_run_checks_public_url (void)
{
  g_autoptr(OsaisSimulator) simulator = osais_simulator_new ();
  g_autoptr(OsaisTestFake) tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_NO_ORIGIN, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(Outcome) outcome = NULL;
  g_autofree char *origin = NULL;

  g_assert_true (osais_simulator_start (simulator, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  origin = osais_simulator_dup_origin (simulator);
  {
    const char * const args[] = { "--server", origin, "run", "diffusion", "word=lost",
                                  "--listen", "127.0.0.1:0",
                                  "--public-url", osais_test_fake_get_origin (tunnel), NULL };

    outcome = run_cli_async (args);
  }
  g_assert_cmpint (outcome->status, ==, 5);
  g_assert_nonnull (strstr (outcome->err, "nothing listens behind it"));
  g_assert_nonnull (strstr (outcome->err, "nothing was sent"));
  g_assert_cmpstr (outcome->out, ==, "");
  g_assert_cmpuint (osais_simulator_get_requests (simulator), ==, 0);

  osais_simulator_stop (simulator);
}

/* Without --public-url, `osais run` to a real OSAIS uses the one tunnel to
 * its port, says which, checks the round trip through it and sends: the
 * callbacks come back through the tunnel. With none, it checks and uses
 * the server's own URL, as before. */
static void
test_run_uses_found_tunnel (void)
{
  g_autoptr(OsaisSimulator) simulator = osais_simulator_new ();
  guint port = osais_test_closed_port ();
  g_autofree char *server = g_strdup_printf ("http://127.0.0.1:%u", port);
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", port);
  g_autoptr(OsaisTestFake) tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD, server);
  g_autofree char *list = ngrok_agent_list (osais_test_fake_get_origin (tunnel), port);
  g_autoptr(OsaisTestFake) agent = osais_test_fake_new (OSAIS_TEST_FAKE_NGROK_API, list);
  g_autofree char *using = g_strdup_printf ("using the ngrok tunnel %s",
                                            osais_test_fake_get_origin (tunnel));
  g_autoptr(GError) error = NULL;
  g_autoptr(Outcome) sent = NULL;
  g_autoptr(Outcome) direct = NULL;
  g_autoptr(Outcome) garbled = NULL;
  g_autofree char *origin = NULL;

  g_assert_true (osais_simulator_start (simulator, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  origin = osais_simulator_dup_origin (simulator);
  /* What the user registers with OSAIS: the tunnel. */
  osais_simulator_set_callback_url (simulator, osais_test_fake_get_origin (tunnel));

  set_tunnel_apis (osais_test_fake_get_origin (agent));
  {
    const char * const args[] = { "--server", origin, "run", "diffusion",
                                  "word=through the tunnel", "--listen", listen, NULL };

    sent = run_cli_async (args);
  }
  g_assert_cmpint (sent->status, ==, 0);
  g_assert_nonnull (strstr (sent->err, using));
  g_assert_nonnull (strstr (sent->err, "reachable"));
  g_assert_true (g_str_has_prefix (sent->out, data_dir));
  g_assert_cmpuint (osais_simulator_get_requests (simulator), ==, 1);

  /* No tunnel: OSAIS is to call the server directly, as an OSAIS on this
   * machine does; the check of that URL decides. */
  set_tunnel_apis (NULL);
  osais_simulator_set_callback_url (simulator, server);
  {
    const char * const args[] = { "--server", origin, "run", "diffusion",
                                  "word=no tunnel", "--listen", listen, NULL };

    direct = run_cli_async (args);
  }
  g_assert_cmpint (direct->status, ==, 0);
  g_assert_nonnull (strstr (direct->err, "OSAIS must reach this server directly"));
  g_assert_null (strstr (direct->err, "using the ngrok tunnel"));
  g_assert_cmpuint (osais_simulator_get_requests (simulator), ==, 2);

  /* An agent answering nonsense finds no tunnel: the same as none. */
  {
    g_autoptr(OsaisTestFake) broken = osais_test_fake_new (OSAIS_TEST_FAKE_NGROK_API, "{\"tunnels\":");
    const char * const args[] = { "--server", origin, "run", "diffusion",
                                  "word=broken agent", "--listen", listen, NULL };

    set_tunnel_apis (osais_test_fake_get_origin (broken));
    garbled = run_cli_async (args);
  }
  g_assert_cmpint (garbled->status, ==, 0);
  g_assert_nonnull (strstr (garbled->err, "OSAIS must reach this server directly"));
  g_assert_cmpuint (osais_simulator_get_requests (simulator), ==, 3);
  set_tunnel_apis (NULL);

  osais_simulator_stop (simulator);
}

/* --no-check sends the request without checking. */
static void
test_run_no_check_sends (void)
{
  g_autoptr(OsaisSimulator) simulator = osais_simulator_new ();
  g_autoptr(OsaisTestFake) tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_NO_ORIGIN, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(Outcome) outcome = NULL;
  g_autofree char *origin = NULL;

  g_assert_true (osais_simulator_start (simulator, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  origin = osais_simulator_dup_origin (simulator);
  {
    /* Its callbacks go to the broken tunnel: the run ends by its timeout. */
    const char * const args[] = { "--server", origin, "run", "diffusion", "word=sent anyway",
                                  "--listen", "127.0.0.1:0", "--no-check", "--timeout", "2",
                                  "--public-url", osais_test_fake_get_origin (tunnel), NULL };

    outcome = run_cli_async (args);
  }
  g_assert_cmpint (outcome->status, !=, 5);
  g_assert_null (strstr (outcome->err, "checking that OSAIS can reach"));
  g_assert_cmpuint (osais_simulator_get_requests (simulator), ==, 1);

  osais_simulator_stop (simulator);
}

static gboolean
receiver_owns_name (gpointer data)
{
  return osais_receiver_get_owner (OSAIS_RECEIVER (data));
}

/* Calls @method on the receiver of @dir from this process, iterating the
 * main context that serves it, and checks the D-Bus error it answers. */
static void
assert_receiver_refuses (const char *dir,
                         const char *method,
                         GVariant   *parameters,
                         const char *error_name,
                         const char *in_message)
{
  g_autoptr(GDBusProxy) proxy = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *remote = NULL;
  g_autofree char *name = osais_receiver_dup_bus_name (dir);

  /* Not osais_receiver_find(): loading the properties would wait on this
   * very thread, which serves them. */
  proxy = g_dbus_proxy_new_for_bus_sync (G_BUS_TYPE_SESSION,
                                         G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
                                         G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                         NULL, name, OSAIS_RECEIVER_OBJECT_PATH,
                                         OSAIS_RECEIVER_INTERFACE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (proxy);
  g_dbus_proxy_call (proxy, method, parameters, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                     osais_test_store_result_cb, &result);
  osais_test_wait_for_result (&result, "the receiver's answer");
  reply = g_dbus_proxy_call_finish (proxy, result, &error);
  g_assert_null (reply);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, error_name);
  g_assert_nonnull (strstr (error->message, in_message));
}

/* While a receiver (the app, osais serve) runs for the data folder, `osais
 * run` sends through it and follows the job there: same output, same exit
 * status, and no second callback server; `osais serve` refuses to be a
 * second receiver, and `osais check` to check a server OSAIS would not call. */
static void
test_run_through_receiver (void)
{
  static const char * const run_args[] = { "--simulator", "run", "diffusion",
                                           "word=through the app", "cimg=2", NULL };
  static const char * const serve_args[] = { "serve", "--listen", "127.0.0.1:0", NULL };
  static const char * const check_args[] = { "check", "--listen", "127.0.0.1:0",
                                             "--public-url", "http://127.0.0.1:1", NULL };
  g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Outcome) run = NULL;
  g_autoptr(Outcome) serve = NULL;
  g_autoptr(Outcome) check = NULL;
  g_auto(GStrv) lines = NULL;
  OsaisSession *session;
  OsaisReceiver *receiver;

  g_test_dbus_up (bus);

  session = osais_session_new (data_dir);
  g_object_set (session, "account-mode", OSAIS_ACCOUNT_MODE_OFFLINE, "listen-port", 0, NULL);
  osais_session_start_async (session, NULL, osais_test_store_result_cb, &result);
  osais_test_wait_for_result (&result, "the receiving session");
  g_assert_true (osais_session_start_finish (session, result, &error));
  g_assert_no_error (error);
  receiver = osais_receiver_new (session);
  osais_test_wait_until (receiver_owns_name, receiver, "the receiver's bus name");

  run = run_cli_async (run_args);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_nonnull (strstr (run->err, "OSAIS Studio is receiving for"));
  g_assert_nonnull (strstr (run->err, "accepted"));
  g_assert_nonnull (strstr (run->err, "image 2 stored"));
  lines = g_strsplit (g_strstrip (run->out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_true (g_str_has_prefix (lines[i], data_dir));
      g_assert_true (g_file_test (lines[i], G_FILE_TEST_IS_REGULAR));
    }
  /* The receiver's simulator got the request, not one of the command's own. */
  g_assert_cmpuint (osais_simulator_get_requests (osais_session_get_simulator (session)), ==, 1);

  serve = run_cli_async (serve_args);
  g_assert_cmpint (serve->status, ==, 2);
  g_assert_nonnull (strstr (serve->err, "already receives"));
  check = run_cli_async (check_args);
  g_assert_cmpint (check->status, ==, 2);
  g_assert_nonnull (strstr (check->err, "already receives"));
  g_assert_cmpstr (check->out, ==, "");

  /* The interface itself refuses what it cannot do, by name. */
  assert_receiver_refuses (data_dir, "Submit",
                           g_variant_new_parsed ("('diffusion', {'word': 'x', 'steps': '999'},"
                                                 " @ay [], '')"),
                           OSAIS_RECEIVER_ERROR_INVALID, "steps");
  assert_receiver_refuses (data_dir, "Submit",
                           g_variant_new_parsed ("('no-such-engine', @a{ss} {}, @ay [], '')"),
                           OSAIS_RECEIVER_ERROR_INVALID, "no-such-engine");
  assert_receiver_refuses (data_dir, "GetJob", g_variant_new ("(x)", (gint64) 424242),
                           OSAIS_RECEIVER_ERROR_FAILED, "No such job");

  g_object_unref (receiver);
  osais_session_stop (session);
  g_object_unref (session);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_test_dbus_down (bus);
}

typedef struct
{
  OsaisSession  *session;
  OsaisReceiver *receiver;
} Receiving;

/* Once the request reached the receiver's simulator, the receiver goes, as
 * when the app is quit with Quit Now. */
static gboolean
drop_receiver_once_sent_cb (gpointer data)
{
  Receiving *receiving = data;
  OsaisSimulator *simulator = osais_session_get_simulator (receiving->session);

  if (osais_simulator_get_requests (simulator) == 0)
    return G_SOURCE_CONTINUE;
  g_clear_object (&receiving->receiver);
  return G_SOURCE_REMOVE;
}

/* The receiver quits while `osais run` follows its job there: the command
 * says it lost track, at once and not at its timeout, and exits 3. */
static void
test_run_receiver_quits (void)
{
  static const char * const run_args[] = { "--simulator", "run", "diffusion",
                                           "word=left behind", "--timeout", "60", NULL };
  g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Outcome) run = NULL;
  Receiving receiving = { 0 };
  gint64 start;

  g_test_dbus_up (bus);

  receiving.session = osais_session_new (data_dir);
  g_object_set (receiving.session, "account-mode", OSAIS_ACCOUNT_MODE_OFFLINE,
                "listen-port", 0, NULL);
  osais_session_start_async (receiving.session, NULL, osais_test_store_result_cb, &result);
  osais_test_wait_for_result (&result, "the receiving session");
  g_assert_true (osais_session_start_finish (receiving.session, result, &error));
  g_assert_no_error (error);
  /* The job stays running: its next step would come in a minute. */
  g_object_set (osais_session_get_simulator (receiving.session), "step-delay", 60000, NULL);
  receiving.receiver = osais_receiver_new (receiving.session);
  osais_test_wait_until (receiver_owns_name, receiving.receiver, "the receiver's bus name");

  g_timeout_add (20, drop_receiver_once_sent_cb, &receiving);
  start = g_get_monotonic_time ();
  run = run_cli_async (run_args);
  g_assert_cmpint (run->status, ==, 3);
  g_assert_nonnull (strstr (run->err, "lost track of the job"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 30 * G_USEC_PER_SEC);
  /* And so the watch is gone too. */
  g_assert_null (receiving.receiver);

  osais_session_stop (receiving.session);
  g_object_unref (receiving.session);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_test_dbus_down (bus);
}

/* `osais run --out` copies carry their parameters, which `osais params`
 * prints as `osais run` takes them; a file without any, or not a PNG, says
 * so with its own exit status. */
static void
test_out_keeps_parameters (void)
{
  g_autofree char *out_dir = g_build_filename (data_dir, "out-params", NULL);
  g_autoptr(Outcome) run = run_cli ("--simulator", "run", "diffusion", "word=kept inside",
                                    "steps=12", "--out", out_dir, NULL);
  g_autoptr(Outcome) params = NULL;
  g_autoptr(Outcome) as_json = NULL;
  g_autoptr(Outcome) bare = NULL;
  g_autoptr(Outcome) not_png = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *text_file = g_build_filename (data_dir, "notes.txt", NULL);
  JsonObject *object;

  g_assert_cmpint (run->status, ==, 0);
  path = g_strdup (g_strstrip (run->out));
  g_assert_true (g_str_has_prefix (path, out_dir));

  params = run_cli ("params", path, NULL);
  g_assert_cmpint (params->status, ==, 0);
  g_assert_true (g_str_has_prefix (params->out, "diffusion\n"));
  g_assert_nonnull (strstr (params->out, "\nword=kept inside\n"));
  g_assert_nonnull (strstr (params->out, "\nsteps=12\n"));
  g_assert_nonnull (strstr (params->out, "\nseed="));

  as_json = run_cli ("params", "--json", path, NULL);
  g_assert_cmpint (as_json->status, ==, 0);
  root = json_from_string (as_json->out, &error);
  g_assert_no_error (error);
  object = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (object, "source"), ==, "osais-studio");
  g_assert_cmpstr (json_object_get_string_member (object, "engine"), ==, "diffusion");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (object,
                                                                               "parameters"),
                                               "steps"), ==, 12);

  /* The stored original is left as OSAIS sent it. */
  {
    g_autofree char *name = g_path_get_basename (path);
    g_autoptr(GDir) dir = NULL;
    const char *uid_end = strchr (name, '-');
    g_autofree char *uid = g_strndup (name, uid_end - name);
    g_autofree char *images = g_build_filename (data_dir, "images", uid, NULL);

    stored = g_build_filename (images, uid_end + 1, NULL);
    g_assert_true (g_file_test (stored, G_FILE_TEST_IS_REGULAR));
  }
  bare = run_cli ("params", stored, NULL);
  g_assert_cmpint (bare->status, ==, 1);
  g_assert_nonnull (strstr (bare->err, "keeps no parameters"));

  g_assert_true (g_file_set_contents (text_file, "not an image", -1, NULL));
  not_png = run_cli ("params", text_file, NULL);
  g_assert_cmpint (not_png->status, ==, 2);
  g_assert_nonnull (strstr (not_png->err, "Not a PNG"));
}

static void
test_jobs_json (void)
{
  g_autoptr(Outcome) run = run_cli ("--simulator", "run", "diffusion", "word=listed", NULL);
  g_autoptr(Outcome) jobs = run_cli ("jobs", "--json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *array;
  gboolean found = FALSE;

  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpint (jobs->status, ==, 0);
  json_parser_load_from_data (parser, jobs->out, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)));
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), >=, 1);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *job = json_array_get_object_element (array, i);
      JsonArray *images = json_object_get_array_member (job, "images");

      g_assert_true (json_object_has_member (job, "uid"));
      g_assert_true (json_object_has_member (job, "token"));
      g_assert_true (json_object_has_member (job, "stage"));
      g_assert_nonnull (images);
      if (g_strcmp0 (json_object_get_string_member (job, "engine"), "diffusion") == 0
          && json_object_get_int_member (job, "stage") == 5
          && json_array_get_length (images) == 1
          && g_strcmp0 (json_array_get_string_element (images, 0), g_strstrip (run->out)) == 0)
        found = TRUE;
    }
  g_assert_true (found);
}

/* Ctrl-C or SIGTERM ends `osais serve` cleanly: the shell's status for a
 * signal, and no GLib criticals on the way out. */
static void
test_serve_interrupted (void)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *err = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              &error, g_getenv ("OSAIS_CLI"), "--data-dir", data_dir, "serve",
                              "--listen", "127.0.0.1:0", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (line, "http://127.0.0.1:"));

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_test_message ("stderr:\n%s", err);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 128 + SIGTERM);
  g_assert_nonnull (strstr (err, "interrupted"));
  g_assert_null (strstr (err, "CRITICAL"));
}

static JsonObject *
parse_object (JsonParser *parser,
              const char *text)
{
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));

  return json_node_get_object (json_parser_get_root (parser));
}

/* Asserts that @object's array member @name holds exactly @expected. */
static void
assert_paths (JsonObject         *object,
              const char         *name,
              const char * const *expected)
{
  JsonArray *array = json_object_get_array_member (object, name);

  g_assert_nonnull (array);
  g_assert_cmpuint (json_array_get_length (array), ==, g_strv_length ((char **)expected));
  for (guint i = 0; expected[i] != NULL; i++)
    g_assert_cmpstr (json_array_get_string_element (array, i), ==, expected[i]);
}

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);

  return text;
}

static void
test_doctor (void)
{
  g_autofree char *shared_dir = g_steal_pointer (&data_dir);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(Outcome) run = NULL;
  g_autoptr(Outcome) healthy = NULL;
  g_autoptr(Outcome) found = NULL;
  g_autoptr(Outcome) repaired = NULL;
  g_autoptr(Outcome) after = NULL;
  g_autoptr(Outcome) refused = NULL;
  g_autoptr(Outcome) damaged = NULL;
  g_autoptr(Outcome) moved = NULL;
  g_autoptr(Outcome) fresh = NULL;
  g_autoptr(Outcome) fresh_doctor = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *job_dir = NULL;
  g_autofree char *job_name = NULL;
  g_autofree char *missing = NULL;
  g_autofree char *orphan = NULL;
  g_autofree char *leftover = NULL;
  g_autofree char *history = NULL;
  g_autofree char *moved_history = NULL;
  g_autofree char *text = NULL;
  JsonObject *report;

  data_dir = g_dir_make_tmp ("osais-doctor-XXXXXX", &error);
  g_assert_no_error (error);

  run = run_cli ("--simulator", "run", "diffusion", "word=a fox", "cimg=2", NULL);
  g_assert_cmpint (run->status, ==, 0);
  lines = g_strsplit (g_strstrip (run->out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  healthy = run_cli ("doctor", NULL);
  g_assert_cmpint (healthy->status, ==, 0);
  g_assert_nonnull (strstr (healthy->out, "healthy"));

  /* An image lost, a file nobody named, what a crash left. */
  job_dir = g_path_get_dirname (lines[0]);
  job_name = g_path_get_basename (job_dir);
  missing = g_build_filename ("images", job_name, lines[0] + strlen (job_dir) + 1, NULL);
  orphan = g_build_filename ("images", job_name, "stray.png", NULL);
  leftover = g_build_filename ("images", job_name, ".0-0123456789abcdef.png.Ab12Cd", NULL);
  g_assert_cmpint (g_unlink (lines[0]), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *path = g_build_filename (data_dir, i == 0 ? orphan : leftover, NULL);

      g_file_set_contents (path, i == 0 ? "the orphan" : "the leftover", -1, &error);
      g_assert_no_error (error);
    }

  found = run_cli ("doctor", "--json", NULL);
  g_assert_cmpint (found->status, ==, 1);
  report = parse_object (parser, found->out);
  g_assert_false (json_object_get_boolean_member (report, "healthy"));
  g_assert_cmpstr (json_object_get_string_member (report, "integrity"), ==, "ok");
  assert_paths (report, "missing", (const char *[]) { missing, NULL });
  assert_paths (report, "orphans", (const char *[]) { orphan, NULL });
  assert_paths (report, "leftovers", (const char *[]) { leftover, NULL });
  assert_paths (report, "moved", (const char *[]) { NULL });

  /* Moved, never deleted; the missing image is still reported. */
  repaired = run_cli ("doctor", "--repair", NULL);
  g_assert_cmpint (repaired->status, ==, 1);
  for (guint i = 0; i < 2; i++)
    {
      const char *relative = i == 0 ? orphan : leftover;
      g_autofree char *was = g_build_filename (data_dir, relative, NULL);
      g_autofree char *now = g_build_filename (data_dir, "lost+found", relative, NULL);
      g_autofree char *contents = read_text (now);

      g_assert_false (g_file_test (was, G_FILE_TEST_EXISTS));
      g_assert_cmpstr (contents, ==, i == 0 ? "the orphan" : "the leftover");
    }
  g_assert_true (g_file_test (lines[1], G_FILE_TEST_IS_REGULAR));
  after = run_cli ("doctor", "--json", NULL);
  g_assert_cmpint (after->status, ==, 1);
  report = parse_object (parser, after->out);
  assert_paths (report, "missing", (const char *[]) { missing, NULL });
  assert_paths (report, "orphans", (const char *[]) { NULL });
  assert_paths (report, "leftovers", (const char *[]) { NULL });

  /* A damaged history: refused, said so, then moved aside whole. */
  history = g_build_filename (data_dir, "history.sqlite3", NULL);
  g_file_set_contents (history, "not a database, not at all, but long enough to read", -1,
                       &error);
  g_assert_no_error (error);
  refused = run_cli ("jobs", NULL);
  g_assert_cmpint (refused->status, ==, 2);
  g_assert_nonnull (strstr (refused->err, "doctor --move-aside"));
  damaged = run_cli ("doctor", NULL);
  g_assert_cmpint (damaged->status, ==, 1);
  g_assert_nonnull (strstr (damaged->out, "damaged"));

  moved = run_cli ("doctor", "--move-aside", NULL);
  g_assert_cmpint (moved->status, ==, 0);
  g_assert_false (g_file_test (history, G_FILE_TEST_EXISTS));
  moved_history = g_strdup (strstr (moved->err, history));
  g_assert_nonnull (moved_history);
  *strchr (moved_history, ';') = '\0';
  text = read_text (moved_history);
  g_assert_cmpstr (text, ==, "not a database, not at all, but long enough to read");
  g_assert_false (g_file_test (lines[1], G_FILE_TEST_EXISTS));

  fresh = run_cli ("jobs", NULL);
  g_assert_cmpint (fresh->status, ==, 0);
  fresh_doctor = run_cli ("doctor", NULL);
  g_assert_cmpint (fresh_doctor->status, ==, 0);

  osais_test_remove_tree (data_dir);
  g_free (data_dir);
  data_dir = g_steal_pointer (&shared_dir);
}

/* jobs --search and its filters, star and --unstar, in a history of their
 * own. */
static JsonArray *
jobs_json (JsonParser *parser,
           const char *first,
           ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (char *) g_getenv ("OSAIS_CLI"));
  g_ptr_array_add (argv, (char *) "--data-dir");
  g_ptr_array_add (argv, data_dir);
  g_ptr_array_add (argv, (char *) "jobs");
  g_ptr_array_add (argv, (char *) "--json");
  va_start (args, first);
  for (arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  return json_node_get_array (json_parser_get_root (parser));
}

static void
test_search_and_star (void)
{
  g_autofree char *shared_dir = g_steal_pointer (&data_dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(Outcome) fox = NULL;
  g_autoptr(Outcome) whale = NULL;
  g_autoptr(Outcome) dragon = NULL;
  g_autoptr(Outcome) outcome = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(GStrv) fox_paths = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *id_text = NULL;
  JsonArray *jobs;
  JsonObject *job;
  gint64 id;

  data_dir = g_dir_make_tmp ("osais-cli-search-XXXXXX", &error);
  g_assert_no_error (error);

  fox = run_cli ("--simulator", "run", "diffusion", "word=a red fox in the snow", "cimg=2",
                 NULL);
  g_assert_cmpint (fox->status, ==, 0);
  fox_paths = g_strsplit (g_strstrip (fox->out), "\n", -1);
  g_assert_cmpuint (g_strv_length (fox_paths), ==, 2);
  whale = run_cli ("--simulator", "run", "diffusion", "word=a blue whale", NULL);
  g_assert_cmpint (whale->status, ==, 0);
  g_setenv ("OSAIS_SIMULATOR_FAIL_ENGINE", "diffusion", TRUE);
  dragon = run_cli ("--simulator", "run", "diffusion", "word=a red dragon", NULL);
  g_unsetenv ("OSAIS_SIMULATOR_FAIL_ENGINE");
  g_assert_cmpint (dragon->status, ==, 1);

  /* As typed: the last word cut short. */
  jobs = jobs_json (parser, "--search", "red f", NULL);
  g_assert_cmpuint (json_array_get_length (jobs), ==, 1);
  job = json_array_get_object_element (jobs, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (job, "images")), ==, 2);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (job, "image_ids")),
                    ==, 2);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (job, "favourites")),
                    ==, 0);

  /* Text: newest first, with the count. */
  outcome = run_cli ("jobs", "--search", "RED", NULL);
  g_assert_cmpint (outcome->status, ==, 0);
  g_assert_nonnull (strstr (outcome->err, "2 job(s) and 2 image(s) match"));
  lines = g_strsplit (g_strstrip (outcome->out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_clear_pointer (&outcome, outcome_free);
  jobs = jobs_json (parser, "--search", "RED", NULL);
  g_assert_cmpuint (json_array_get_length (jobs), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (jobs, 0),
                                               "stage"), ==, -1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (jobs, 1),
                                               "stage"), ==, 5);

  jobs = jobs_json (parser, "--search", "red", "--failed", NULL);
  g_assert_cmpuint (json_array_get_length (jobs), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (jobs, 0),
                                               "stage"), ==, -1);
  jobs = jobs_json (parser, "--engine", "rembg", NULL);
  g_assert_cmpuint (json_array_get_length (jobs), ==, 0);
  /* Each `osais run` waited for its job: none is still running. */
  jobs = jobs_json (parser, "--running", NULL);
  g_assert_cmpuint (json_array_get_length (jobs), ==, 0);
  jobs = jobs_json (parser, "--search", "whale", NULL);
  g_assert_false (json_object_get_boolean_member (json_array_get_object_element (jobs, 0),
                                                  "dismissed"));
  jobs = jobs_json (parser, "--engine", "diffusion", "--since", "2000-01-01", NULL);
  g_assert_cmpuint (json_array_get_length (jobs), ==, 3);
  jobs = jobs_json (parser, "--until", "2000-01-01", NULL);
  g_assert_cmpuint (json_array_get_length (jobs), ==, 0);
  jobs = jobs_json (parser, "--search", "\"NEAR(* AND", NULL);
  g_assert_cmpuint (json_array_get_length (jobs), ==, 0);

  /* Star the fox's second image by its path. */
  outcome = run_cli ("star", fox_paths[1], NULL);
  g_assert_cmpint (outcome->status, ==, 0);
  g_assert_nonnull (strstr (outcome->err, "starred"));
  g_clear_pointer (&outcome, outcome_free);
  jobs = jobs_json (parser, "--favourites", NULL);
  g_assert_cmpuint (json_array_get_length (jobs), ==, 1);
  job = json_array_get_object_element (jobs, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (job, "images")), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (job, "images"),
                                                  0), ==, fox_paths[1]);
  id = json_array_get_int_element (json_object_get_array_member (job, "favourites"), 0);
  g_assert_cmpint (id, ==,
                   json_array_get_int_element (json_object_get_array_member (job, "image_ids"),
                                               0));

  outcome = run_cli ("jobs", "--favourites", NULL);
  g_assert_nonnull (strstr (outcome->out, "★ 1"));
  g_clear_pointer (&outcome, outcome_free);

  /* Unknown images change nothing. */
  outcome = run_cli ("star", "--unstar", "999999", NULL);
  g_assert_cmpint (outcome->status, ==, 2);
  g_assert_nonnull (strstr (outcome->err, "no image"));
  g_clear_pointer (&outcome, outcome_free);
  outcome = run_cli ("star", "/nowhere.png", NULL);
  g_assert_cmpint (outcome->status, ==, 2);
  g_clear_pointer (&outcome, outcome_free);
  outcome = run_cli ("star", NULL);
  g_assert_cmpint (outcome->status, ==, 2);
  g_clear_pointer (&outcome, outcome_free);
  jobs = jobs_json (parser, "--favourites", NULL);
  g_assert_cmpuint (json_array_get_length (jobs), ==, 1);

  /* By its id, the star goes. */
  id_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);
  outcome = run_cli ("star", "--unstar", id_text, NULL);
  g_assert_cmpint (outcome->status, ==, 0);
  g_clear_pointer (&outcome, outcome_free);
  jobs = jobs_json (parser, "--favourites", NULL);
  g_assert_cmpuint (json_array_get_length (jobs), ==, 0);

  outcome = run_cli ("jobs", "--since", "yesterday", NULL);
  g_assert_cmpint (outcome->status, ==, 2);
  g_assert_nonnull (strstr (outcome->err, "not a date"));

  osais_test_remove_tree (data_dir);
  g_free (data_dir);
  data_dir = g_steal_pointer (&shared_dir);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  osais_test_init (&argc, &argv);
  if (g_getenv ("OSAIS_CLI") == NULL)
    g_error ("OSAIS_CLI must name the osais binary (meson test sets it)");

  data_dir = g_dir_make_tmp ("osais-cli-XXXXXX", &error);
  g_assert_no_error (error);
  /* The CLI's own environment must not leak in: the demo login is used. */
  g_unsetenv ("OSAIS_TOKEN");
  g_unsetenv ("OSAIS_SECRET");
  g_unsetenv ("OSAIS_SERVER");

  g_test_add_func ("/Osais/Cli/run-diffusion-prints-paths", test_run_diffusion_prints_paths);
  g_test_add_func ("/Osais/Cli/run-wrong-parameter", test_run_wrong_parameter);
  g_test_add_func ("/Osais/Cli/run-wrong-parameter-french", test_run_wrong_parameter_french);
  g_test_add_func ("/Osais/Cli/usage-errors", test_usage_errors);
  g_test_add_func ("/Osais/Cli/run-ping-with-input", test_run_ping_with_input);
  g_test_add_func ("/Osais/Cli/run-failed-job", test_run_failed_job);
  g_test_add_func ("/Osais/Cli/run-timeout", test_run_timeout);
  g_test_add_func ("/Osais/Cli/network-error", test_network_error);
  g_test_add_func ("/Osais/Cli/jobs-json", test_jobs_json);
  g_test_add_func ("/Osais/Cli/search-and-star", test_search_and_star);
  g_test_add_func ("/Osais/Cli/out-keeps-parameters", test_out_keeps_parameters);
  g_test_add_func ("/Osais/Cli/run-interrupted", test_run_interrupted);
  g_test_add_func ("/Osais/Cli/run-through-receiver", test_run_through_receiver);
  g_test_add_func ("/Osais/Cli/run-receiver-quits", test_run_receiver_quits);
  g_test_add_func ("/Osais/Cli/doctor", test_doctor);
  g_test_add_func ("/Osais/Cli/serve-interrupted", test_serve_interrupted);
  g_test_add_func ("/Osais/Cli/check/found-tunnel-reachable", test_check_found_tunnel_reachable);
  g_test_add_func ("/Osais/Cli/check/reachable-json", test_check_reachable_json);
  g_test_add_func ("/Osais/Cli/check/not-reachable", test_check_not_reachable);
  g_test_add_func ("/Osais/Cli/check/no-origin", test_check_no_origin);
  g_test_add_func ("/Osais/Cli/check/warning-page", test_check_warning_page);
  g_test_add_func ("/Osais/Cli/check/other-server", test_check_other_server);
  g_test_add_func ("/Osais/Cli/check/wrong-path", test_check_wrong_path);
  g_test_add_func ("/Osais/Cli/check/rate-limited", test_check_rate_limited);
  g_test_add_func ("/Osais/Cli/check/tunnel-wrong-port", test_check_tunnel_wrong_port);
  g_test_add_func ("/Osais/Cli/check/no-tunnel", test_check_no_tunnel);
  g_test_add_func ("/Osais/Cli/run-uses-found-tunnel", test_run_uses_found_tunnel);
  g_test_add_func ("/Osais/Cli/run-checks-public-url", test_run_checks_public_url);
  g_test_add_func ("/Osais/Cli/run-no-check-sends", test_run_no_check_sends);

  status = g_test_run ();
  osais_test_remove_tree (data_dir);
  g_free (data_dir);
  return status;
}
