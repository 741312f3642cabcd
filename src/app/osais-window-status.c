/* osais-window-status.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's status: the header's account and server, the banner, the
 * page shown, whether OSAIS reaches the callback URL, and a running tunnel
 * offered while no public URL is set.
 */

#define G_LOG_DOMAIN "OsaisWindow"

#include "config.h"

#include <glib/gi18n.h>

#include "osais-login-failure.h"
#include "osais-window-private.h"

/* Status ------------------------------------------------------------------ */

/* The tunnel to offer: the one found, unless it is the public URL already
 * (found unreachable, it is no offer). */
static const char *
offered_tunnel_url (OsaisWindow *self)
{
  const char *url = osais_tunnel_search_get_tunnel_url (self->tunnel_search);

  if (url == NULL || osais_tunnel_url_equal (osais_session_get_public_url (self->session), url))
    return NULL;
  return url;
}

/* The lasting problem that matters most, if any, in the banner, with the
 * action that fixes it: a full disk loses results, a server that does not
 * listen never gets them, and without a login nothing can be sent. */
static void
update_banner (OsaisWindow     *self,
               gboolean         listening,
               const char      *server_error,
               OsaisLoginState  login_state)
{
  g_autofree char *title = NULL;
  const char *button = NULL;
  const char *action = NULL;
  const char *tunnel_url = offered_tunnel_url (self);
  OsaisTunnelKind tunnel_kind = osais_tunnel_search_get_tunnel_kind (self->tunnel_search);
  const char *tunnel_problem = osais_tunnel_search_get_problem (self->tunnel_search);

  if (self->history_error != NULL)
    {
      const char *data_dir = osais_session_get_data_dir (self->session);

      /* Nothing works without the history: this comes first. */
      if (g_error_matches (self->history_error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DAMAGED))
        {
          title = g_strdup_printf (_("The history in %s is damaged. It was left as it is."),
                                   data_dir);
          button = _("_Move Aside and Start Fresh");
          action = "app.move-history-aside";
        }
      else
        {
          if (g_error_matches (self->history_error, OSAIS_STORE_ERROR,
                               OSAIS_STORE_ERROR_TOO_NEW))
            title = g_strdup_printf (_("The history in %s comes from a newer OSAIS Studio. It "
                                       "was left as it is."), data_dir);
          else if (g_error_matches (self->history_error, OSAIS_STORE_ERROR,
                                    OSAIS_STORE_ERROR_READ_ONLY))
            title = g_strdup_printf (_("The data folder %s cannot be written: nothing can be "
                                       "stored"), data_dir);
          else
            title = g_strdup_printf (_("The history cannot be opened: %s"),
                                     self->history_error->message);
          button = _("_Open Folder");
          action = "win.open-data-folder";
        }
    }
  else if (self->disk_full)
    {
      title = g_strdup (_("The disk is full: new images cannot be stored until some space is "
                          "freed"));
      button = _("_Open Folder");
      action = "win.open-data-folder";
    }
  else if (self->images_read_only)
    {
      g_autofree char *images = g_build_filename (osais_session_get_data_dir (self->session),
                                                  "images", NULL);

      title = g_strdup_printf (_("The folder %s cannot be written: new images are refused"),
                               images);
      button = _("_Open Folder");
      action = "win.open-data-folder";
    }
  else if (!listening && server_error != NULL)
    {
      title = g_strdup (_("Not listening for results: the callback server could not start"));
      button = _("_Preferences");
      action = "app.preferences";
    }
  else if (login_state == OSAIS_LOGIN_STATE_FAILED)
    {
      OsaisAccountMode mode = osais_session_get_account_mode (self->session);
      const GError *failure = osais_session_get_login_failure (self->session);

      title = osais_login_failure_dup_title (mode, failure);
      switch (osais_login_failure_get_remedy (mode, failure))
        {
        case OSAIS_LOGIN_REMEDY_SIGN_IN:
          button = _("_Sign In…");
          action = "win.choose-sign-in";
          break;

        case OSAIS_LOGIN_REMEDY_RETRY:
          button = _("_Retry");
          action = "win.retry-login";
          break;

        case OSAIS_LOGIN_REMEDY_PREFERENCES:
        default:
          button = _("_Preferences");
          action = "app.preferences";
          break;
        }
    }
  else if (listening && self->reach != NULL
           && self->reach->verdict == OSAIS_TUNNEL_VERDICT_RATE_LIMITED)
    {
      /* Nothing is known yet: only asking again later tells. */
      title = g_strdup (_("The callback URL was checked too often; try again in a few "
                          "seconds"));
      button = _("Check _Again");
      action = "win.check-public-url";
    }
  else if (listening && self->reach != NULL
           && self->reach->verdict != OSAIS_TUNNEL_VERDICT_REACHABLE
           && tunnel_url != NULL)
    {
      /* The best fix of all: the tunnel that does lead here. */
      title = g_strdup_printf (_("OSAIS cannot reach %s, but the %s tunnel %s leads to this "
                                 "computer"), self->reach_url,
                               osais_tunnel_kind_to_string (tunnel_kind), tunnel_url);
      button = _("_Use Tunnel");
      action = "win.use-found-tunnel";
    }
  else if (listening && self->reach != NULL
           && self->reach->verdict != OSAIS_TUNNEL_VERDICT_REACHABLE)
    {
      /* Results would be lost: OSAIS calls a URL that does not lead here. */
      if (self->reach->fix != NULL)
        title = g_strdup_printf (_("OSAIS cannot reach this computer: %s. %s"),
                                 self->reach->message, self->reach->fix);
      else
        title = g_strdup_printf (_("OSAIS cannot reach this computer: %s"),
                                 self->reach->message);
      /* The public URL's path is fixed in Preferences; everything else
       * outside the app (the tunnel, the other server), and then the
       * window must be able to check again by itself. */
      if (self->reach->verdict == OSAIS_TUNNEL_VERDICT_WRONG_PATH)
        {
          button = _("_Preferences");
          action = "app.preferences";
        }
      else
        {
          button = _("Check _Again");
          action = "win.check-public-url";
        }
    }
  else if (listening && tunnel_url != NULL)
    {
      title = g_strdup_printf (_("The %s tunnel %s leads to this computer: OSAIS can send "
                                 "results through it"),
                               osais_tunnel_kind_to_string (tunnel_kind), tunnel_url);
      button = _("_Use Tunnel");
      action = "win.use-found-tunnel";
    }
  else if (listening && tunnel_problem != NULL)
    {
      title = g_strdup_printf (_("The running tunnel does not lead to this computer: %s"),
                               tunnel_problem);
      button = _("_Preferences");
      action = "app.preferences";
    }

  /* The text stays while the banner slides out. */
  if (title != NULL)
    {
      osais_banner_set_title (self->banner, title);
      osais_banner_set_button_label (self->banner, button);
      osais_banner_set_action_name (self->banner, action);
    }
  osais_banner_set_revealed (self->banner, title != NULL);
}

void
_osais_window_update_status (OsaisWindow *self)
{
  g_autofree char *account = NULL;
  g_autofree char *server_uri = NULL;
  g_autofree char *server_error = NULL;
  g_autofree char *server_text = NULL;
  g_autofree char *subtitle = NULL;
  gboolean listening = FALSE;
  OsaisLoginState login_state = OSAIS_LOGIN_STATE_LOGGED_OUT;
  OsaisAccountMode mode;
  gboolean problem;

  if (self->session == NULL)
    return;
  mode = osais_session_get_account_mode (self->session);

  g_object_get (self->session,
                "account-label", &account,
                "login-state", &login_state,
                "server-listening", &listening,
                "server-uri", &server_uri,
                "server-error", &server_error,
                NULL);

  if (listening && self->reach != NULL && self->reach->verdict == OSAIS_TUNNEL_VERDICT_REACHABLE)
    server_text = g_strdup_printf (_("Reachable at %s (%u ms)"), self->reach_url,
                                   (guint) (self->reach->round_trip / G_TIME_SPAN_MILLISECOND));
  else if (listening && self->reach != NULL
           && self->reach->verdict == OSAIS_TUNNEL_VERDICT_RATE_LIMITED)
    server_text = g_strdup (_("Not checked: too many checks"));
  else if (listening && self->reach != NULL)
    server_text = g_strdup (_("Not reachable from the internet"));
  else if (listening)
    server_text = g_strdup_printf (_("Listening on %s"), server_uri);
  else if (server_error != NULL)
    server_text = g_strdup_printf (_("Not listening: %s"), server_error);
  else
    server_text = g_strdup (_("Starting…"));

  /* The popover has the whole story, the reasons as the core gives them. */
  gtk_label_set_label (self->account_label, account != NULL ? account : "");
  gtk_label_set_label (self->server_label, server_text);

  /* The subtitle only names the state: the banner says what went wrong
   * and what to do, where there is room for it. */
  if (self->history_error != NULL)
    subtitle = g_strdup (_("The history is not open"));
  else
    subtitle = g_strdup_printf ("%s · %s",
                                login_state != OSAIS_LOGIN_STATE_FAILED
                                ? (account != NULL ? account : "")
                                /* Offline, only the simulator can fail to start. */
                                : mode == OSAIS_ACCOUNT_MODE_OFFLINE ? _("Simulator not running")
                                : _("Not signed in"),
                                listening ? server_text
                                : server_error != NULL ? _("Not listening") : _("Starting…"));
  adw_window_title_set_subtitle (self->window_title, subtitle);

  problem = self->history_error != NULL || self->disk_full || self->images_read_only
            || (!listening && server_error != NULL)
            || (self->reach != NULL && self->reach->verdict != OSAIS_TUNNEL_VERDICT_REACHABLE)
            || osais_tunnel_search_get_problem (self->tunnel_search) != NULL
            || login_state == OSAIS_LOGIN_STATE_FAILED;
  gtk_image_set_from_icon_name (self->status_icon, problem ? "dialog-warning-symbolic"
                                                           : "network-transmit-receive-symbolic");
  update_banner (self, listening, server_error, login_state);
  /* Before the server started, nothing is known to be wrong. */
  osais_gallery_set_listening (self->gallery, listening || server_error == NULL);
  osais_gallery_set_signed_in (self->gallery, login_state != OSAIS_LOGIN_STATE_FAILED, mode);
  osais_gallery_set_history_open (self->gallery, self->history_error == NULL);
}

void
_osais_window_update_page (OsaisWindow *self)
{
  OsaisAccountMode mode = OSAIS_ACCOUNT_MODE_NONE;

  if (self->session != NULL)
    g_object_get (self->session, "account-mode", &mode, NULL);

  /* No cross-fade before the window is shown: it would paint the page it
   * leaves, which was never laid out. */
  gtk_stack_set_visible_child_full (self->main_stack,
                                    mode == OSAIS_ACCOUNT_MODE_NONE ? "welcome" : "studio",
                                    gtk_widget_get_mapped (GTK_WIDGET (self))
                                      ? GTK_STACK_TRANSITION_TYPE_CROSSFADE
                                      : GTK_STACK_TRANSITION_TYPE_NONE);
  if (mode != OSAIS_ACCOUNT_MODE_NONE)
    osais_request_form_focus_prompt (self->form);
  /* The main menu offers Sign Out only to someone signed in. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-out",
                                 mode == OSAIS_ACCOUNT_MODE_ACCOUNT);
}

/* Reachability of the callback URL ---------------------------------------- */

static void
reach_checked_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(OsaisWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  OsaisTunnelCheck *outcome = osais_tunnel_check_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->reach_cancellable);
  if (outcome == NULL)
    {
      g_debug ("The callback URL could not be checked: %s", error->message);
      return;
    }
  g_clear_pointer (&self->reach, osais_tunnel_check_free);
  self->reach = outcome;
  /* Not reachable: a tunnel that does lead here may be running (a quick
   * tunnel gets a new URL each time it starts). */
  _osais_window_update_tunnel_search (self);
  _osais_window_update_status (self);
}

/* Checks the public URL when there is one to check and it changed: offline
 * nothing calls back through a tunnel, and without a public URL the local
 * address is all there is. */
void
_osais_window_update_reachability (OsaisWindow *self)
{
  OsaisCallbackServer *server = osais_session_get_callback_server (self->session);
  const char *public_url = osais_session_get_public_url (self->session);
  const char *public_uri = osais_session_get_public_uri (self->session);
  OsaisAccountMode mode = osais_session_get_account_mode (self->session);
  gboolean wanted = server != NULL && public_url != NULL && public_uri != NULL
                    && osais_session_get_server_listening (self->session)
                    && mode != OSAIS_ACCOUNT_MODE_OFFLINE && mode != OSAIS_ACCOUNT_MODE_NONE;

  if (wanted && g_strcmp0 (public_uri, self->reach_url) == 0)
    return;

  g_cancellable_cancel (self->reach_cancellable);
  g_clear_object (&self->reach_cancellable);
  g_clear_pointer (&self->reach, osais_tunnel_check_free);
  g_clear_pointer (&self->reach_url, g_free);
  if (!wanted)
    return;

  self->reach_url = g_strdup (public_uri);
  self->reach_cancellable = g_cancellable_new ();
  osais_tunnel_check_async (public_uri, server, self->reach_cancellable, reach_checked_cb,
                            g_object_ref (self));
}

static void
check_public_url_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  OsaisWindow *self = OSAIS_WINDOW (widget);

  /* Forgetting what was checked makes the same URL be checked again. */
  g_clear_pointer (&self->reach_url, g_free);
  _osais_window_update_reachability (self);
  _osais_window_update_status (self);
}

/* Finding a tunnel --------------------------------------------------------- */

/* Looks for a running tunnel to offer while OSAIS has no public URL to call,
 * or one found unreachable (an account, not offline), once per port the
 * callback server listens on. */
void
_osais_window_update_tunnel_search (OsaisWindow *self)
{
  OsaisCallbackServer *server = osais_session_get_callback_server (self->session);
  OsaisAccountMode mode = osais_session_get_account_mode (self->session);
  gboolean unreachable = self->reach != NULL
                         && self->reach->verdict != OSAIS_TUNNEL_VERDICT_REACHABLE
                         && self->reach->verdict != OSAIS_TUNNEL_VERDICT_RATE_LIMITED;
  gboolean wanted = server != NULL && osais_session_get_server_listening (self->session)
                    && (osais_session_get_public_url (self->session) == NULL || unreachable)
                    && mode != OSAIS_ACCOUNT_MODE_OFFLINE && mode != OSAIS_ACCOUNT_MODE_NONE;

  osais_tunnel_search_set_port (self->tunnel_search,
                                wanted ? osais_callback_server_get_bound_port (server) : 0);
}

static void
use_found_tunnel_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  OsaisWindow *self = OSAIS_WINDOW (widget);
  g_autofree char *url = g_strdup (offered_tunnel_url (self));

  g_debug ("Using the tunnel %s", url != NULL ? url : "(none)");
  if (url == NULL)
    return;

  /* As Preferences applies a public URL: saved, and taken by the running
   * server; its new public URI ends the offer and starts the check. */
  g_settings_set_string (self->settings, "public-url", url);
  osais_session_set_public_url (self->session, url);
}

void
_osais_window_session_status_changed (OsaisWindow *self)
{
  _osais_window_update_reachability (self);
  _osais_window_update_tunnel_search (self);
  _osais_window_update_status (self);
}

void
_osais_window_session_mode_changed (OsaisWindow *self)
{
  _osais_window_update_page (self);
  _osais_window_update_reachability (self);
  _osais_window_update_tunnel_search (self);
  _osais_window_update_status (self);
}

/* Class ------------------------------------------------------------------- */

void
_osais_window_class_status_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.check-public-url", NULL,
                                   check_public_url_action);
  gtk_widget_class_install_action (widget_class, "win.use-found-tunnel", NULL,
                                   use_found_tunnel_action);
}
