/* osais-preferences-window.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Preferences: the account's and the callback server's status, the public
 * URL's reachability and a tunnel offered, the server's settings. Choosing
 * the account mode and signing in are in osais-preferences-window-account.c.
 */

#define G_LOG_DOMAIN "OsaisPreferencesWindow"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "osais-login-failure.h"
#include "osais-mnemonic-names.h"
#include "osais-preferences-window-private.h"
#include "osais-secret.h"
#include "osais-sign-out.h"

G_DEFINE_FINAL_TYPE (OsaisPreferencesWindow, osais_preferences_window,
                     ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GtkWidget *
osais_preferences_window_new (GtkWindow    *parent,
                              OsaisSession *session,
                              GSettings    *settings)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (OSAIS_IS_SESSION (session), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (OSAIS_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       "session", session,
                       "settings", settings,
                       NULL);
}

void
osais_preferences_window_show_sign_in (OsaisPreferencesWindow *self)
{
  g_return_if_fail (OSAIS_IS_PREFERENCES_WINDOW (self));

  gtk_check_button_set_active (self->account_check, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->token_row));
}

/* Shows @message under a group of fields, or hides it when NULL. */
void
_osais_preferences_window_set_inline_error (GtkLabel   *label,
                                            const char *message)
{
  gtk_label_set_label (label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
}

static void
set_row_error (GtkWidget *row,
               gboolean   error)
{
  if (error)
    gtk_widget_add_css_class (row, "error");
  else
    gtk_widget_remove_css_class (row, "error");
}

/* Status ------------------------------------------------------------------ */

static void
update_account_status (OsaisPreferencesWindow *self)
{
  OsaisLoginState state = osais_session_get_login_state (self->session);
  const char *label = osais_session_get_account_label (self->session);
  g_autofree char *failure = NULL;

  /* A failed login's label is the core's message, written for the command
   * line (it names OSAIS_TOKEN): the app says it its own way. */
  if (state == OSAIS_LOGIN_STATE_FAILED)
    {
      failure = osais_login_failure_dup_title (osais_session_get_account_mode (self->session),
                                               osais_session_get_login_failure (self->session));
      label = failure;
    }
  adw_action_row_set_subtitle (self->account_status_row, label != NULL ? label : "");
  set_row_error (GTK_WIDGET (self->account_status_row), state == OSAIS_LOGIN_STATE_FAILED);
}

static void
set_url_row (AdwActionRow *row,
             const char   *base,
             const char   *route)
{
  g_autofree char *uri = NULL;

  if (base != NULL)
    uri = g_strconcat (base, route, NULL);
  adw_action_row_set_subtitle (row, uri != NULL ? uri : _("Not listening"));
}

static void
update_server_status (OsaisPreferencesWindow *self)
{
  const char *public_uri = osais_session_get_public_uri (self->session);
  const char *server_error = osais_session_get_server_error (self->session);
  g_autofree char *status = NULL;
  gboolean listening = osais_session_get_server_listening (self->session);

  if (listening)
    status = g_strdup_printf (_("Listening on %s"), osais_session_get_server_uri (self->session));
  else if (self->restart_cancellable != NULL)
    status = g_strdup (_("Restarting…"));
  /* What to do is said in words beside the fields: the row names the state,
   * not the system's words again ("Error binding to address…"). */
  else if (server_error != NULL && gtk_widget_get_visible (GTK_WIDGET (self->server_error_label)))
    status = g_strdup (_("Not listening"));
  else if (server_error != NULL)
    status = g_strdup_printf (_("Not listening: %s"), server_error);
  else
    status = g_strdup (_("Not started"));
  adw_action_row_set_subtitle (self->server_status_row, status);
  set_row_error (GTK_WIDGET (self->server_status_row),
                 !listening && self->restart_cancellable == NULL && server_error != NULL);

  /* The routes are appended to the public base URI, which ends in "/". */
  set_url_row (self->notify_url_row, listening ? public_uri : NULL, "notify");
  set_url_row (self->upload_url_row, listening ? public_uri : NULL, "upload");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preferences.copy-url",
                                 listening && public_uri != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preferences.check-url",
                                 listening && self->check_cancellable == NULL);
}

/* Reachability ------------------------------------------------------------ */

typedef enum
{
  CHECK_NEUTRAL,   /* not checked, or checking */
  CHECK_GOOD,      /* reachable */
  CHECK_BAD,       /* anything else: to fix before OSAIS's callbacks can arrive */
} CheckState;

static void
set_check_result (OsaisPreferencesWindow *self,
                  const char             *text,
                  CheckState              state)
{
  adw_action_row_set_subtitle (self->check_row, text);
  set_row_error (GTK_WIDGET (self->check_row), state == CHECK_BAD);
  if (state == CHECK_GOOD)
    gtk_widget_add_css_class (GTK_WIDGET (self->check_row), "success");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->check_row), "success");
}

static void
set_checking (OsaisPreferencesWindow *self,
              gboolean                checking)
{
  gtk_widget_set_visible (GTK_WIDGET (self->check_spinner), checking);
  gtk_spinner_set_spinning (self->check_spinner, checking);
  if (!checking)
    g_clear_object (&self->check_cancellable);
  update_server_status (self);
}

static void
cancel_check (OsaisPreferencesWindow *self)
{
  if (self->check_cancellable != NULL)
    g_cancellable_cancel (self->check_cancellable);
}

static void
checked_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(OsaisPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisTunnelCheck) outcome = NULL;
  g_autofree char *text = NULL;

  outcome = osais_tunnel_check_finish (result, &error);
  /* Cancelled: the URL changed (its own check may run) or the window went. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  set_checking (self, FALSE);
  if (outcome == NULL)
    {
      set_check_result (self, error->message, CHECK_BAD);
      return;
    }
  text = outcome->fix != NULL ? g_strdup_printf ("%s\n%s", outcome->message, outcome->fix)
                              : g_strdup (outcome->message);
  set_check_result (self, text, outcome->verdict == OSAIS_TUNNEL_VERDICT_REACHABLE ? CHECK_GOOD
                                                                                  : CHECK_BAD);
}

static void
check_url_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  OsaisPreferencesWindow *self = OSAIS_PREFERENCES_WINDOW (widget);
  OsaisCallbackServer *server = osais_session_get_callback_server (self->session);
  const char *public_url = osais_session_get_public_url (self->session);

  if (server == NULL || self->check_cancellable != NULL)
    return;
  /* The local address answers, of course; OSAIS needs the tunnel's. */
  if (public_url == NULL)
    {
      set_check_result (self, _("Set the public URL of your tunnel first: OSAIS cannot call "
                                "the local address."), CHECK_BAD);
      return;
    }

  self->check_cancellable = g_cancellable_new ();
  set_check_result (self, _("Checking…"), CHECK_NEUTRAL);
  set_checking (self, TRUE);
  osais_tunnel_check_async (osais_session_get_public_uri (self->session), server,
                            self->check_cancellable, checked_cb, g_object_ref (self));
}

/* Tunnel offer ------------------------------------------------------------ */

/* Whether @url is the public URL already, give or take the final slash. */
static gboolean
is_public_url (OsaisPreferencesWindow *self,
               const char             *url)
{
  return osais_tunnel_url_equal (osais_session_get_public_url (self->session), url);
}

/* The tunnel found, unless it is in use already; or why the running tunnel
 * does not fit; or nothing. */
static void
show_tunnel_offer (OsaisPreferencesWindow *self)
{
  GtkWidget *row = GTK_WIDGET (self->tunnel_row);
  const char *url = osais_tunnel_search_get_tunnel_url (self->tunnel_search);
  const char *problem = osais_tunnel_search_get_problem (self->tunnel_search);
  OsaisTunnelKind kind = osais_tunnel_search_get_tunnel_kind (self->tunnel_search);
  guint port = osais_tunnel_search_get_tunnel_port (self->tunnel_search);
  g_autofree char *tooltip = NULL;
  g_autofree char *subtitle = NULL;

  gtk_widget_set_visible (row, url != NULL ? !is_public_url (self, url) : problem != NULL);
  if (url == NULL)
    {
      /* A tunnel runs, but not to us: say why, nothing to use. */
      if (problem != NULL)
        {
          adw_action_row_set_subtitle (self->tunnel_row, problem);
          set_row_error (row, TRUE);
          gtk_widget_set_visible (self->use_tunnel_button, FALSE);
        }
      return;
    }

  /* TRANSLATORS: a tunnel's public URL, its software (ngrok, cloudflared)
   * and the local port it forwards to. */
  subtitle = port != 0
               ? g_strdup_printf (_("%s, from %s, to port %u"), url,
                                  osais_tunnel_kind_to_string (kind), port)
               /* TRANSLATORS: a tunnel's public URL and its software. */
               : g_strdup_printf (_("%s, from %s"), url, osais_tunnel_kind_to_string (kind));
  adw_action_row_set_subtitle (self->tunnel_row, subtitle);
  set_row_error (row, FALSE);
  gtk_widget_set_visible (self->use_tunnel_button, TRUE);
  tooltip = g_strdup_printf (_("Use %s as the public URL"), url);
  gtk_widget_set_tooltip_text (self->use_tunnel_button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->use_tunnel_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
}

/* Looks for a running tunnel to the callback server's port whenever that
 * port changes; not offline, where nothing calls back from outside. */
static void
update_tunnel_search (OsaisPreferencesWindow *self)
{
  OsaisCallbackServer *server = osais_session_get_callback_server (self->session);
  OsaisAccountMode mode = osais_session_get_account_mode (self->session);
  gboolean wanted = server != NULL && osais_session_get_server_listening (self->session)
                    && mode != OSAIS_ACCOUNT_MODE_OFFLINE && mode != OSAIS_ACCOUNT_MODE_NONE;

  osais_tunnel_search_set_port (self->tunnel_search,
                                wanted ? osais_callback_server_get_bound_port (server) : 0);
  /* The public URL may have changed: the offer hides once it is in use. */
  show_tunnel_offer (self);
}

static void public_url_apply_cb (OsaisPreferencesWindow *self);

static void
use_tunnel_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  OsaisPreferencesWindow *self = OSAIS_PREFERENCES_WINDOW (widget);
  g_autofree char *url = g_strdup (osais_tunnel_search_get_tunnel_url (self->tunnel_search));

  if (url == NULL)
    return;

  /* Applied as if typed, then checked at once: the user wants to know. */
  gtk_editable_set_text (GTK_EDITABLE (self->public_url_row), url);
  public_url_apply_cb (self);
  if (is_public_url (self, url))
    check_url_action (widget, "preferences.check-url", NULL);
}

/* Only an account of one's own is signed out of (the demo and the
 * simulator are left by choosing something else), and only once signed in:
 * beside "Not signed in", Sign Out says the opposite of the status. */
static void
update_sign_out (OsaisPreferencesWindow *self)
{
  gboolean signed_in = osais_session_get_account_mode (self->session) == OSAIS_ACCOUNT_MODE_ACCOUNT
                       && osais_session_get_login_state (self->session)
                          == OSAIS_LOGIN_STATE_LOGGED_IN;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preferences.sign-out", signed_in);
  gtk_widget_set_visible (self->sign_out_button, signed_in);
}

static void
sync_account_mode (OsaisPreferencesWindow *self)
{
  OsaisAccountMode mode = osais_session_get_account_mode (self->session);

  update_sign_out (self);

  self->syncing = TRUE;
  switch (mode)
    {
    case OSAIS_ACCOUNT_MODE_OFFLINE:
      gtk_check_button_set_active (self->offline_check, TRUE);
      break;

    case OSAIS_ACCOUNT_MODE_DEMO:
      gtk_check_button_set_active (self->demo_check, TRUE);
      break;

    case OSAIS_ACCOUNT_MODE_ACCOUNT:
      gtk_check_button_set_active (self->account_check, TRUE);
      break;

    case OSAIS_ACCOUNT_MODE_NONE:
    default:
      /* Nothing chosen yet: no button is active. */
      gtk_check_button_set_active (self->offline_check, FALSE);
      gtk_check_button_set_active (self->demo_check, FALSE);
      gtk_check_button_set_active (self->account_check, FALSE);
      break;
    }
  self->syncing = FALSE;
}

static void
sync_from_session (OsaisPreferencesWindow *self)
{
  g_autofree char *token = g_settings_get_string (self->settings, "client-token");
  const char *public_url = osais_session_get_public_url (self->session);

  sync_account_mode (self);

  self->syncing = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->token_row), token);
  gtk_editable_set_text (GTK_EDITABLE (self->origin_row),
                         osais_session_get_server_origin (self->session));
  gtk_editable_set_text (GTK_EDITABLE (self->listen_address_row),
                         osais_session_get_listen_address (self->session));
  gtk_spin_button_set_value (self->port_spin, osais_session_get_listen_port (self->session));
  gtk_editable_set_text (GTK_EDITABLE (self->public_url_row),
                         public_url != NULL ? public_url : "");
  self->syncing = FALSE;

  update_account_status (self);
  update_server_status (self);
  update_tunnel_search (self);
}

/* Server ------------------------------------------------------------------ */

static char *
dup_stripped_text (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static void
origin_apply_cb (OsaisPreferencesWindow *self)
{
  g_autofree char *text = dup_stripped_text (self->origin_row);
  g_autofree char *origin = NULL;
  g_autoptr(GError) error = NULL;
  OsaisAccountMode mode = osais_session_get_account_mode (self->session);

  origin = osais_client_normalize_origin (text, &error);
  set_row_error (GTK_WIDGET (self->origin_row), origin == NULL);
  _osais_preferences_window_set_inline_error (self->origin_error_label,
                                              origin == NULL ? error->message : NULL);
  if (origin == NULL)
    return;

  g_settings_set_string (self->settings, "server-origin", origin);
  osais_session_set_server_origin (self->session, origin);
  self->syncing = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->origin_row), origin);
  self->syncing = FALSE;

  /* The offline simulator has its own origin. */
  if (mode == OSAIS_ACCOUNT_MODE_DEMO || mode == OSAIS_ACCOUNT_MODE_ACCOUNT)
    osais_login_failure_log_in (self->session);
}

/* What was checked was the old address. */
static void
forget_check (OsaisPreferencesWindow *self)
{
  cancel_check (self);
  set_checking (self, FALSE);
  set_check_result (self, _("Not checked yet"), CHECK_NEUTRAL);
}

static void
server_restarted_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  OsaisPreferencesWindow *self = user_data;
  g_autoptr(GError) error = NULL;

  osais_session_restart_server_finish (OSAIS_SESSION (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->restart_cancellable);
  /* The status row says what failed; beside the fields, what to do. */
  if (g_error_matches (error, OSAIS_CALLBACK_SERVER_ERROR, OSAIS_CALLBACK_SERVER_ERROR_PORT_IN_USE))
    {
      g_autofree char *message = NULL;

      message = g_strdup_printf (_("Another program uses port %u. Choose another port, or 0 "
                                   "for any free one."),
                                 osais_session_get_listen_port (self->session));
      _osais_preferences_window_set_inline_error (self->server_error_label, message);
    }
  else
    _osais_preferences_window_set_inline_error (self->server_error_label,
                                                error != NULL ? error->message : NULL);
  update_server_status (self);
}

/* The old server stops on a worker thread (it may be storing callbacks,
 * for up to its grace period); the window stays live meanwhile. */
static void
restart_server (OsaisPreferencesWindow *self)
{
  forget_check (self);

  /* Restarts asked for before the first is done share its start. */
  if (self->restart_cancellable == NULL)
    self->restart_cancellable = g_cancellable_new ();
  _osais_preferences_window_set_inline_error (self->server_error_label, NULL);
  osais_session_restart_server_async (self->session, self->restart_cancellable,
                                      server_restarted_cb, self);
  update_server_status (self);
}

static void
listen_address_apply_cb (OsaisPreferencesWindow *self)
{
  g_autofree char *address = dup_stripped_text (self->listen_address_row);

  if (*address == '\0')
    {
      set_row_error (GTK_WIDGET (self->listen_address_row), TRUE);
      _osais_preferences_window_set_inline_error (self->server_error_label,
                                                  _("Enter the address to listen on, such as "
                                                    "127.0.0.1 or 0.0.0.0."));
      return;
    }

  set_row_error (GTK_WIDGET (self->listen_address_row), FALSE);
  g_settings_set_string (self->settings, "listen-address", address);
  osais_session_set_listen_address (self->session, address);
  restart_server (self);
}

/* How long typing a port may pause before the server moves to it. */
#define PORT_DEBOUNCE_MS 600

static void
apply_port (OsaisPreferencesWindow *self,
            guint                   port)
{
  if (port == osais_session_get_listen_port (self->session))
    return;

  g_settings_set_uint (self->settings, "listen-port", port);
  osais_session_set_listen_port (self->session, port);
}

static gboolean
port_debounced_cb (gpointer user_data)
{
  OsaisPreferencesWindow *self = user_data;

  self->port_source = 0;
  if (self->pending_port == osais_session_get_listen_port (self->session))
    return G_SOURCE_REMOVE;

  apply_port (self, self->pending_port);
  restart_server (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_port (OsaisPreferencesWindow *self,
               guint                   port)
{
  self->pending_port = port;
  g_clear_handle_id (&self->port_source, g_source_remove);
  self->port_source = g_timeout_add (PORT_DEBOUNCE_MS, port_debounced_cb, self);
}

static void
port_changed_cb (OsaisPreferencesWindow *self)
{
  if (self->syncing)
    return;

  schedule_port (self, (guint) gtk_spin_button_get_value_as_int (self->port_spin));
}

/* Each keystroke in the port's field: the spin button itself takes the
 * text only on Enter or when it loses the focus. */
static void
port_text_changed_cb (OsaisPreferencesWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->port_spin));
  guint64 port;

  if (self->syncing)
    return;
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT16, &port, NULL))
    return;

  schedule_port (self, (guint) port);
}

/* An empty public URL means the local address; anything else must be an
 * absolute http(s) URL, which OSAIS can call. */
static gboolean
check_public_url (const char  *text,
                  GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  if (*text == '\0')
    return TRUE;

  uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL
      || (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0)
      || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0'
      || g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The public URL must be an http:// or https:// address "
                             "without a query, such as https://example.ngrok.app/."));
      return FALSE;
    }
  return TRUE;
}

static void
public_url_apply_cb (OsaisPreferencesWindow *self)
{
  g_autofree char *text = dup_stripped_text (self->public_url_row);
  g_autoptr(GError) error = NULL;

  if (!check_public_url (text, &error))
    {
      set_row_error (GTK_WIDGET (self->public_url_row), TRUE);
      _osais_preferences_window_set_inline_error (self->server_error_label, error->message);
      return;
    }

  set_row_error (GTK_WIDGET (self->public_url_row), FALSE);
  _osais_preferences_window_set_inline_error (self->server_error_label, NULL);
  g_settings_set_string (self->settings, "public-url", text);
  /* The running server takes it at once: no restart, only a new check. */
  osais_session_set_public_url (self->session, *text != '\0' ? text : NULL);
  forget_check (self);
  update_server_status (self);
}

static void
copy_url_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  OsaisPreferencesWindow *self = OSAIS_PREFERENCES_WINDOW (widget);
  const char *route = g_variant_get_string (parameter, NULL);
  const char *base = osais_session_get_public_uri (self->session);
  g_autofree char *uri = NULL;

  if (base == NULL)
    return;

  uri = g_strconcat (base, route, NULL);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), uri);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (_("Copied")));
}

/* GObject ----------------------------------------------------------------- */

static void
osais_preferences_window_constructed (GObject *object)
{
  OsaisPreferencesWindow *self = OSAIS_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (osais_preferences_window_parent_class)->constructed (object);

  g_assert (self->session != NULL);
  g_assert (self->settings != NULL);

  g_settings_bind (self->settings, "notifications", self->notifications_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "keep-receiving", self->keep_receiving_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_group_set_target (self->session_signals, self->session);
  sync_from_session (self);
  _osais_preferences_window_update_sign_in_action (self);
}

static void
osais_preferences_window_dispose (GObject *object)
{
  OsaisPreferencesWindow *self = OSAIS_PREFERENCES_WINDOW (object);

  if (self->session_signals != NULL)
    g_signal_group_set_target (self->session_signals, NULL);
  cancel_check (self);
  g_clear_object (&self->check_cancellable);
  /* A port typed just before closing still counts; the main window's banner
   * says if it cannot be listened on. */
  if (self->port_source != 0)
    {
      g_clear_handle_id (&self->port_source, g_source_remove);
      if (self->session != NULL
          && self->pending_port != osais_session_get_listen_port (self->session))
        {
          apply_port (self, self->pending_port);
          osais_session_restart_server_async (self->session, NULL, NULL, NULL);
        }
    }
  if (self->restart_cancellable != NULL)
    g_cancellable_cancel (self->restart_cancellable);
  g_clear_object (&self->restart_cancellable);
  g_clear_object (&self->tunnel_search);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSAIS_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->session_signals);

  G_OBJECT_CLASS (osais_preferences_window_parent_class)->dispose (object);
}

static void
osais_preferences_window_finalize (GObject *object)
{
  OsaisPreferencesWindow *self = OSAIS_PREFERENCES_WINDOW (object);

  /* Kept until finalize: a sign-in that ends after the window closed still
   * records its settings. */
  g_clear_object (&self->session);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (osais_preferences_window_parent_class)->finalize (object);
}

static void
osais_preferences_window_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  OsaisPreferencesWindow *self = OSAIS_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_preferences_window_set_property (GObject      *object,
                                       guint         prop_id,
                                       const GValue *value,
                                       GParamSpec   *pspec)
{
  OsaisPreferencesWindow *self = OSAIS_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;

    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_preferences_window_class_init (OsaisPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = osais_preferences_window_constructed;
  object_class->dispose = osais_preferences_window_dispose;
  object_class->finalize = osais_preferences_window_finalize;
  object_class->get_property = osais_preferences_window_get_property;
  object_class->set_property = osais_preferences_window_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         OSAIS_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/opensourceais/Studio/"
                                               "osais-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, account_status_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, sign_out_button);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, offline_check);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, demo_check);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, account_check);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, token_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, secret_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, sign_in_error_label);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, sign_in_spinner);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, origin_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, origin_error_label);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, server_status_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, listen_address_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, port_spin);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, public_url_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, check_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, check_spinner);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, tunnel_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow,
                                        use_tunnel_button);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, notify_url_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, upload_url_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow, server_error_label);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow,
                                        notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, OsaisPreferencesWindow,
                                        keep_receiving_switch);
  gtk_widget_class_bind_template_callback (widget_class, origin_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, listen_address_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, port_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, port_text_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, public_url_apply_cb);

  _osais_preferences_window_class_account_init (widget_class);
  gtk_widget_class_install_action (widget_class, "preferences.copy-url", "s", copy_url_action);
  gtk_widget_class_install_action (widget_class, "preferences.check-url", NULL, check_url_action);
  gtk_widget_class_install_action (widget_class, "preferences.use-tunnel", NULL,
                                   use_tunnel_action);
}

static void
osais_preferences_window_init (OsaisPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  osais_mnemonic_names_fix (GTK_WIDGET (self));

  self->tunnel_search = osais_tunnel_search_new ();
  g_signal_connect_swapped (self->tunnel_search, "notify::tunnel-url",
                            G_CALLBACK (show_tunnel_offer), self);
  g_signal_connect_swapped (self->tunnel_search, "notify::problem",
                            G_CALLBACK (show_tunnel_offer), self);
  self->session_signals = g_signal_group_new (OSAIS_TYPE_SESSION);
  g_signal_group_connect_swapped (self->session_signals, "notify::account-mode",
                                  G_CALLBACK (sync_account_mode), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::account-label",
                                  G_CALLBACK (update_account_status), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::login-state",
                                  G_CALLBACK (update_account_status), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::login-state",
                                  G_CALLBACK (update_sign_out), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::login-error",
                                  G_CALLBACK (update_account_status), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::server-listening",
                                  G_CALLBACK (update_server_status), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::server-uri",
                                  G_CALLBACK (update_server_status), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::public-uri",
                                  G_CALLBACK (update_server_status), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::server-error",
                                  G_CALLBACK (update_server_status), self);
  /* A restarted server may listen on another port: look for its tunnel. */
  g_signal_group_connect_swapped (self->session_signals, "notify::server-uri",
                                  G_CALLBACK (update_tunnel_search), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::server-listening",
                                  G_CALLBACK (update_tunnel_search), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::account-mode",
                                  G_CALLBACK (update_tunnel_search), self);
  /* The offer hides once its URL is the one in use. */
  g_signal_group_connect_swapped (self->session_signals, "notify::public-uri",
                                  G_CALLBACK (update_tunnel_search), self);
}
