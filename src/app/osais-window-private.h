/* osais-window-private.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's insides, shared by its files as GNOME Text Editor shares
 * editor-window-private.h: osais-window.c (the engines, Run, the narrow
 * header), -files.c (opened and dropped files, their dialogs), -batch.c
 * (Run ×N), -status.c (the status, banner, reachability, tunnels) and
 * -actions.c (the welcome, the viewer's and the gallery's requests, search,
 * jobs). Each installs its own actions and template callbacks.
 *
 * Tests use the accessors at the end; the app itself reaches the window's
 * parts only through its actions (osais-window.h), so that no part of the
 * app depends on how the window is built.
 */

#pragma once

#include "osais-banner.h"
#include "osais-gallery.h"
#include "osais-image-viewer.h"
#include "osais-last-form.h"
#include "osais-request-form.h"
#include "osais-search-options.h"
#include "osais-window.h"

G_BEGIN_DECLS

struct _OsaisWindow
{
  AdwApplicationWindow  parent_instance;

  OsaisSession         *session;
  GSettings            *settings;
  GSignalGroup         *session_signals;
  GSignalGroup         *store_signals;

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *main_stack;
  GtkStack             *content_stack;
  AdwFlap              *flap;
  GtkDropDown          *engine_dropdown;
  AdwWindowTitle       *window_title;
  GtkImage             *status_icon;
  GtkLabel             *account_label;
  GtkLabel             *server_label;
  GtkMenuButton        *status_button;
  GtkButton            *run_button;
  GtkLabel             *run_label;
  GtkWidget            *batch_button;
  GtkLabel             *run_reason_label;
  OsaisBanner          *banner;

  /* A request on its way to OSAIS: Run waits for its answer, so that a
   * double click, or Ctrl+Return on top of a click, sends one paid request;
   * its card shows in the gallery meanwhile. */
  gboolean              sending;
  OsaisGalleryItem     *sending_card;
  /* Run ×N: the requests of the batch not answered yet; Run waits for
   * them all. */
  guint                 batch_pending;

  /* The request an opened PNG keeps (ours or AUTOMATIC1111's), offered
   * with "Use Its Parameters"; read off the main thread. */
  char                 *offered_engine;
  char                 *offered_parameters;
  GCancellable         *parameters_cancellable;

  /* Set by whoever finds the data folder's disk full; shown until cleared. */
  gboolean              disk_full;
  /* The store could not write images/ (read-only): uploads are refused. */
  gboolean              images_read_only;
  /* Why the history could not be opened, if it could not. */
  GError               *history_error;
  /* Whether OSAIS can reach the callback server through the public URL,
   * as last checked: at start-up and whenever that URL changes. */
  char                 *reach_url;
  OsaisTunnelCheck     *reach;
  GCancellable         *reach_cancellable;
  /* A running tunnel to the callback server, offered while no public URL
   * is set or the one set is unreachable, or why the one running does not fit. */
  OsaisTunnelSearch    *tunnel_search;
  /* The engines' model is being set and the last engine selected again. */
  gboolean              restoring_engine;
  gboolean              engine_warnings_shown;
  /* Builds the shortcuts window (Ctrl+?), after the first frame. */
  guint                 shortcuts_source;
  OsaisRequestForm     *form;
  OsaisGallery         *gallery;
  OsaisImageViewer     *viewer;        /* NULL until first needed: _osais_window_get_viewer() */
  /* The form last sent, kept in the data folder and restored at start-up. */
  OsaisLastForm        *last_form;
  GtkSearchBar         *search_bar;
  GtkSearchEntry       *search_entry;
  GtkToggleButton      *search_favourites_button;
  GtkMenuButton        *search_options_button;
  OsaisSearchOptions   *search_options;  /* NULL until first needed */
  GtkLabel             *search_count_label;

  /* Search: the search under way (a keystroke cancels the previous one). */
  GCancellable         *search_cancellable;
};

void     _osais_window_class_files_init      (GtkWidgetClass *widget_class);
void     _osais_window_class_status_init     (GtkWidgetClass *widget_class);
void     _osais_window_class_batch_init      (GtkWidgetClass *widget_class);
void     _osais_window_class_actions_init    (GtkWidgetClass *widget_class);
/* Files and textures dropped on the window. */
void     _osais_window_dnd_init              (OsaisWindow    *self);
void     _osais_window_actions_init          (OsaisWindow    *self);
/* Made when first needed, not with the window. */
OsaisImageViewer *_osais_window_get_viewer   (OsaisWindow    *self);
OsaisSearchOptions *_osais_window_get_search_options (OsaisWindow *self);

void     _osais_window_select_engine_by_name (OsaisWindow    *self,
                                              const char     *name);
void     _osais_window_set_sending           (OsaisWindow    *self,
                                              gboolean        sending);
void     _osais_window_request_sent          (OsaisWindow    *self,
                                              OsaisJob       *job,
                                              GError         *error,
                                              const char     *failure_title);
void     _osais_window_update_status         (OsaisWindow    *self);
void     _osais_window_update_page           (OsaisWindow    *self);
void     _osais_window_update_reachability   (OsaisWindow    *self);
void     _osais_window_update_tunnel_search  (OsaisWindow    *self);
void     _osais_window_session_status_changed (OsaisWindow   *self);
void     _osais_window_session_mode_changed  (OsaisWindow    *self);
void     _osais_window_search_changed        (OsaisWindow    *self);

/* For tests: the window's parts. */
OsaisRequestForm *osais_window_get_form         (OsaisWindow      *self);
OsaisGallery     *osais_window_get_gallery      (OsaisWindow      *self);
GtkDropDown      *osais_window_get_engine_dropdown (OsaisWindow   *self);
OsaisBanner      *osais_window_get_banner       (OsaisWindow      *self);

G_END_DECLS
