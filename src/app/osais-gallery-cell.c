/* osais-gallery-cell.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisGalleryCell"

#include "config.h"

#include <glib/gi18n.h>

#include "osais-gallery-cell-private.h"
#include "osais-bench-trace.h"
#include "osais-gallery-thumbnail.h"
#include "osais-thumbnail-loader.h"

struct _OsaisGalleryCell
{
  GtkWidget         parent_instance;

  OsaisGalleryItem *item;
  /* The grid's list item that binds the cell (a weak pointer): its
   * position, read when asked, is what the gallery selects. A change near
   * the top moves ~125 list items; following each one's notify::position
   * cost 0.7 ms of each upload's items-changed. */
  GtkListItem      *binding;
  /* An image without its texture yet: asked for while the gallery sees the
   * cell in view (osais_gallery_cell_set_in_view()), until @cancellable. */
  gboolean          wants_thumbnail;
  GCancellable     *cancellable;
  /* What the star shows: set again only when it changes, as binding is
   * per frame while scrolling. */
  gboolean          star_shown;
  GSignalGroup     *job_signals;
  GSignalGroup     *images_signals;
  GSignalGroup     *image_signals;
  /* The list item the cell is in, whose focus shows the star (a weak
   * pointer). */
  GtkWidget        *list_item;
  /* make_star_cb(), waiting. */
  guint             star_idle_id;

  /* Template widgets */
  OsaisGalleryThumbnail *thumbnail;

  /* The star, NULL until the tile is hovered, focused or shows a
   * favourite (ensure_star()). */
  GtkButton        *star_button;

  /* The job card, NULL until the cell first shows one (ensure_card()). */
  GtkWidget        *card;
  GtkLabel         *engine_label;
  GtkLabel         *prompt_label;
  GtkLabel         *error_label;
  GtkLabel         *stage_label;
  GtkProgressBar   *progress_bar;
  GtkButton        *dismiss_button;
  GtkButton        *retry_button;
};

G_DEFINE_FINAL_TYPE (OsaisGalleryCell, osais_gallery_cell, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ITEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The progress: each stage moves it, and between the first and the last
 * image, each image received. */
static double
job_fraction (OsaisJob *job)
{
  static const double stage_fraction[] = { 0.05, 0.15, 0.25, 0.4, 0.6, 1.0 };
  OsaisStage stage = osais_job_get_stage (job);
  guint announced = osais_job_get_announced_images (job);
  guint received = g_list_model_get_n_items (osais_job_get_images (job));
  double fraction;

  if (stage == OSAIS_STAGE_ERROR)
    return 1.0;

  fraction = stage_fraction[CLAMP (stage, OSAIS_STAGE_REQUEST_SENT, OSAIS_STAGE_FINISHED)];
  if (announced > 0 && stage != OSAIS_STAGE_FINISHED)
    fraction = MAX (fraction, 0.25 + 0.7 * MIN (received, announced) / announced);

  return fraction;
}

/* Most cells only ever show images: the card is built in the few that show
 * a job card (its widgets in each of the grid's ~130 cells cost ~15 ms of
 * the start-up). Under the star, which a card hides. */
static void
ensure_card (OsaisGalleryCell *self)
{
  g_autoptr(GtkBuilder) builder = NULL;

  if (self->engine_label != NULL)
    return;

  builder = gtk_builder_new_from_resource ("/com/opensourceais/Studio/osais-gallery-card.ui");
  self->engine_label = GTK_LABEL (gtk_builder_get_object (builder, "engine_label"));
  self->prompt_label = GTK_LABEL (gtk_builder_get_object (builder, "prompt_label"));
  self->error_label = GTK_LABEL (gtk_builder_get_object (builder, "error_label"));
  self->stage_label = GTK_LABEL (gtk_builder_get_object (builder, "stage_label"));
  self->progress_bar = GTK_PROGRESS_BAR (gtk_builder_get_object (builder, "progress_bar"));
  self->dismiss_button = GTK_BUTTON (gtk_builder_get_object (builder, "dismiss_button"));
  self->retry_button = GTK_BUTTON (gtk_builder_get_object (builder, "retry_button"));
  self->card = GTK_WIDGET (gtk_builder_get_object (builder, "card"));
  gtk_widget_insert_after (self->card, GTK_WIDGET (self), GTK_WIDGET (self->thumbnail));
}

static void
update_card (OsaisGalleryCell *self)
{
  OsaisJob *job;
  OsaisStage stage;
  const char *error_message;
  g_autofree char *stage_text = NULL;
  gboolean failed;
  gboolean stalled;
  guint received, announced;

  if (self->item == NULL || osais_gallery_item_get_kind (self->item) != OSAIS_GALLERY_ITEM_CARD)
    return;

  job = osais_gallery_item_get_job (self->item);
  stage = osais_job_get_stage (job);
  failed = stage == OSAIS_STAGE_ERROR;
  stalled = osais_job_get_stalled (job);
  error_message = osais_job_get_error_message (job);
  received = g_list_model_get_n_items (osais_job_get_images (job));
  announced = osais_job_get_announced_images (job);

  if (osais_job_get_uid (job) == 0)
    /* A request OSAIS has not answered yet (see osais_gallery_add_sending()). */
    stage_text = g_strdup (_("Sending…"));
  else if (stalled && !failed)
    /* Translators: a job's stage, then that OSAIS has not called back for a while. */
    stage_text = g_strdup_printf (_("%s · Stalled"), osais_stage_to_string (stage));
  else if (stage == OSAIS_STAGE_FINISHED && received == 0)
    stage_text = g_strdup (_("Finished without images"));
  else if (announced > 0 && !failed)
    /* Translators: a job's stage, then images received of images announced. */
    stage_text = g_strdup_printf (_("%s · %u of %u"), osais_stage_to_string (stage),
                                  received, announced);
  else
    stage_text = g_strdup (osais_stage_to_string (stage));

  gtk_label_set_label (self->stage_label, stage_text);
  gtk_progress_bar_set_fraction (self->progress_bar, job_fraction (job));
  /* A bar for what is in progress only: not for a failure, nor for a job
   * that finished without images (its card stays until dismissed). */
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar),
                          !failed && stage != OSAIS_STAGE_FINISHED);
  gtk_label_set_label (self->error_label,
                       failed ? (error_message != NULL ? error_message : _("The request failed"))
                              : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), failed);
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), failed || stalled);
  /* Only what can get nothing more: a running or stalled job may still
   * receive its images. */
  gtk_widget_set_visible (GTK_WIDGET (self->dismiss_button),
                          osais_job_get_uid (job) != 0
                          && (failed || (stage == OSAIS_STAGE_FINISHED && received == 0
                                         && announced == 0)));

  if (failed)
    gtk_widget_add_css_class (GTK_WIDGET (self), "failed");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "failed");
}

static void
thumbnail_loaded_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(OsaisGalleryCell) self = user_data;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  texture = osais_thumbnail_loader_load_finish (OSAIS_THUMBNAIL_LOADER (object), result, &error);
  /* Cancelled: a request this cell no longer makes (replaced, its tile
   * moved away or rebound); only the current one is answered otherwise. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->wants_thumbnail = FALSE;
  g_clear_object (&self->cancellable);
  if (texture == NULL)
    {
      g_debug ("No thumbnail: %s", error->message);
      osais_gallery_thumbnail_set_texture (self->thumbnail, NULL);
      return;
    }

  osais_gallery_thumbnail_set_texture (self->thumbnail, texture);
  if (self->item != NULL && osais_gallery_item_get_image (self->item) != NULL)
    osais_bench_trace_image_shown (osais_image_get_file (osais_gallery_item_get_image (self->item)));
}

/* A tile's caption: the prompt and the engine, so that a page of results
 * is readable. */
char *
osais_gallery_cell_dup_caption (OsaisGalleryCell *self)
{
  OsaisJob *job;
  const char *prompt;

  g_return_val_if_fail (OSAIS_IS_GALLERY_CELL (self), NULL);

  if (self->item == NULL || osais_gallery_item_get_image (self->item) == NULL)
    return NULL;

  job = osais_gallery_item_get_job (self->item);
  prompt = osais_job_get_prompt (job);
  if (prompt != NULL)
    /* Translators: a gallery tile's caption: the prompt, then the AI engine. */
    return g_strdup_printf (_("%s — %s"), prompt, osais_job_get_engine (job));

  return g_strdup (osais_job_get_engine (job));
}

/* The caption on hover, made when asked: gtk_widget_set_tooltip_text() at
 * each bind asks the X server where the pointer is (GTK 4.8), two round
 * trips per tile while scrolling. */
static gboolean
query_tooltip_cb (OsaisGalleryCell *self,
                  int               x,
                  int               y,
                  gboolean          keyboard_mode,
                  GtkTooltip       *tooltip)
{
  g_autofree char *caption = osais_gallery_cell_dup_caption (self);

  if (caption == NULL)
    return FALSE;

  gtk_tooltip_set_text (tooltip, caption);
  return TRUE;
}

static const char *
star_tooltip (gboolean favourite)
{
  return favourite ? _("Remove from Favourites (S)") : _("Add to Favourites (S)");
}

static gboolean
star_query_tooltip_cb (OsaisGalleryCell *self,
                       int               x,
                       int               y,
                       gboolean          keyboard_mode,
                       GtkTooltip       *tooltip)
{
  gtk_tooltip_set_text (tooltip, star_tooltip (self->star_shown));
  return TRUE;
}

/* What the star says to a screen reader: its name, and as its description
 * what its tooltip says (a tooltip set with gtk_widget_set_tooltip_text()
 * would be the description in GTK 4.8). */
static void
update_star_accessible (OsaisGalleryCell *self)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->star_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  self->star_shown ? _("Unstar") : _("Star"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  star_tooltip (self->star_shown),
                                  -1);
}

/* The keyboard focus is on the grid's own item around the cell, not in
 * it: that item is what a screen reader says as the focus moves, so it
 * carries the name too (GTK 4.8 has no gtk_list_item_set_accessible_label()).
 * NULL: a card, said by its own labels. */
static void
set_tile_name (OsaisGalleryCell *self,
               const char       *label)
{
  GtkWidget *item = gtk_widget_get_parent (GTK_WIDGET (self));

  if (item == NULL)
    return;
  if (label != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (item), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                    -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (item), GTK_ACCESSIBLE_PROPERTY_LABEL);
}

/* For screen readers, which image of the job a tile is, and its caption. */
static void
update_image_caption (OsaisGalleryCell *self,
                      OsaisJob         *job,
                      OsaisImage       *image)
{
  g_autofree char *caption = osais_gallery_cell_dup_caption (self);
  g_autofree char *label = NULL;
  GListModel *images = osais_job_get_images (job);
  guint position = 0;

  if (!osais_job_find_image (job, image, &position))
    position = 0;
  /* Translators: a gallery tile for screen readers: which image of the job,
   * then the caption. */
  label = g_strdup_printf (_("Image %u of %u — %s"), position + 1,
                           MAX (position + 1, g_list_model_get_n_items (images)), caption);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->thumbnail),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  set_tile_name (self, label);
}

static gboolean
shows_image (OsaisGalleryCell *self)
{
  return self->item != NULL && osais_gallery_item_get_image (self->item) != NULL;
}

/* The star's icon, names and style for the image's state. */
static void
sync_star (OsaisGalleryCell *self)
{
  OsaisImage *image = shows_image (self) ? osais_gallery_item_get_image (self->item) : NULL;
  gboolean favourite = image != NULL && osais_image_get_favourite (image);
  GtkWidget *star = GTK_WIDGET (self->star_button);

  if (star == NULL || favourite == self->star_shown)
    return;

  self->star_shown = favourite;
  gtk_button_set_icon_name (self->star_button,
                            favourite ? "starred-symbolic" : "non-starred-symbolic");
  update_star_accessible (self);
  if (favourite)
    gtk_widget_add_css_class (star, "starred");
  else
    gtk_widget_remove_css_class (star, "starred");
}

/* The star, on the thumbnail's top right corner. Not focusable: S stars
 * the focused tile, and a Tab stop in every tile would make the grid slow
 * to cross. Made when first shown: it is hidden (style.css) but on hover,
 * focus and a favourite. */
static void
ensure_star (OsaisGalleryCell *self)
{
  GtkWidget *star;

  if (self->star_button != NULL)
    return;

  star = g_object_new (GTK_TYPE_BUTTON,
                       "icon-name", "non-starred-symbolic",
                       "halign", GTK_ALIGN_END,
                       "valign", GTK_ALIGN_START,
                       "margin-top", 6,
                       "margin-end", 6,
                       "focusable", FALSE,
                       "has-tooltip", TRUE,
                       "action-name", "cell.toggle-favourite",
                       "css-classes", (const char *[]) { "osd", "circular", "tile-star", NULL },
                       "visible", shows_image (self),
                       NULL);
  g_signal_connect_swapped (star, "query-tooltip", G_CALLBACK (star_query_tooltip_cb), self);
  /* Said to screen readers: the key that does it from the tile. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (star),
                                  GTK_ACCESSIBLE_PROPERTY_KEY_SHORTCUTS, "S", -1);
  gtk_widget_insert_before (star, GTK_WIDGET (self), NULL);
  self->star_button = GTK_BUTTON (star);
  self->star_shown = FALSE;
  update_star_accessible (self);
  sync_star (self);
}

/* The star shows on hover and focus (style.css), and always once starred. */
static void
update_star (OsaisGalleryCell *self)
{
  OsaisImage *image = shows_image (self) ? osais_gallery_item_get_image (self->item) : NULL;

  if (image != NULL && osais_image_get_favourite (image))
    ensure_star (self);
  sync_star (self);
}

static gboolean
make_star_cb (gpointer user_data)
{
  OsaisGalleryCell *self = user_data;

  self->star_idle_id = 0;
  if (shows_image (self))
    ensure_star (self);

  return G_SOURCE_REMOVE;
}

/* Hover and focus change while GTK moves, lays out and draws the grid's
 * widgets (crossing events follow the cells a search moves under the
 * pointer): the star, a new child, is added at idle, between frames. */
static void
want_star (OsaisGalleryCell *self)
{
  if (self->star_button == NULL && self->star_idle_id == 0 && shows_image (self))
    self->star_idle_id = g_idle_add (make_star_cb, self);
}

static void
pointer_enter_cb (OsaisGalleryCell *self)
{
  want_star (self);
}

static void
list_item_state_cb (OsaisGalleryCell *self)
{
  if (self->list_item != NULL &&
      (gtk_widget_get_state_flags (self->list_item) & GTK_STATE_FLAG_FOCUS_WITHIN) != 0)
    want_star (self);
}

/* The grid's list item holds the focus, not the cell: its state shows the
 * star. A recycled cell moves from one list item to the next; GTK may
 * destroy a list item before the cell hears that it left it, hence the
 * weak pointer. */
static void
parent_changed_cb (OsaisGalleryCell *self)
{
  GtkWidget *parent = gtk_widget_get_parent (GTK_WIDGET (self));

  if (self->list_item == parent)
    return;
  if (self->list_item != NULL)
    g_signal_handlers_disconnect_by_func (self->list_item, list_item_state_cb, self);
  g_set_weak_pointer (&self->list_item, parent);
  if (parent != NULL)
    g_signal_connect_object (parent, "state-flags-changed", G_CALLBACK (list_item_state_cb),
                             self, G_CONNECT_SWAPPED);
  list_item_state_cb (self);
}

/* Which of the cell's children show: the thumbnail and the star for an
 * image, the card for a job. */
static void
show_kind (OsaisGalleryCell *self,
           gboolean          card)
{
  if (card)
    gtk_widget_remove_css_class (GTK_WIDGET (self), "image");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self), "image");
  gtk_widget_set_visible (GTK_WIDGET (self->thumbnail), !card);
  if (self->star_button != NULL)
    gtk_widget_set_visible (GTK_WIDGET (self->star_button), !card);
  if (self->card != NULL)
    gtk_widget_set_visible (self->card, card);
}

/* The gallery stars images for the tiles: it knows the store. */
static void
toggle_favourite_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  OsaisGalleryCell *self = OSAIS_GALLERY_CELL (widget);
  OsaisImage *image = self->item != NULL ? osais_gallery_item_get_image (self->item) : NULL;

  if (image != NULL)
    gtk_widget_activate_action (widget, "gallery.set-favourite", "(xxb)",
                                osais_image_get_uid (image), osais_image_get_id (image),
                                !osais_image_get_favourite (image));
}

static void
show_item (OsaisGalleryCell *self)
{
  OsaisThumbnailLoader *loader = osais_thumbnail_loader_get_default ();
  OsaisImage *image;
  OsaisJob *job;
  GdkTexture *texture;
  const char *prompt;

  if (self->item == NULL)
    {
      osais_gallery_thumbnail_set_texture (self->thumbnail, NULL);
      return;
    }

  job = osais_gallery_item_get_job (self->item);
  image = osais_gallery_item_get_image (self->item);

  if (image == NULL)
    {
      prompt = osais_job_get_prompt (job);
      ensure_card (self);
      gtk_label_set_label (self->engine_label, osais_job_get_engine (job));
      gtk_label_set_label (self->prompt_label, prompt != NULL ? prompt : "");
      /* The target first: an action name without its target is a type mismatch. */
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->retry_button), "x",
                                        osais_job_get_uid (job));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->retry_button), "win.retry-job");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->dismiss_button), "x",
                                        osais_job_get_uid (job));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->dismiss_button),
                                      "gallery.dismiss-job");
      show_kind (self, TRUE);
      set_tile_name (self, NULL);
      update_card (self);
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (self), "failed");
  show_kind (self, FALSE);
  update_image_caption (self, job, image);
  update_star (self);

  texture = osais_thumbnail_loader_lookup (loader, osais_image_get_file (image));
  if (texture != NULL)
    {
      osais_gallery_thumbnail_set_texture (self->thumbnail, texture);
      osais_bench_trace_image_shown (osais_image_get_file (image));
      return;
    }

  /* Asked for once the gallery sees the tile in view. */
  osais_gallery_thumbnail_set_texture (self->thumbnail, NULL);
  self->wants_thumbnail = TRUE;
}

static void
cancel_request (OsaisGalleryCell *self)
{
  /* A request no worker has taken yet is skipped unread. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

void
osais_gallery_cell_set_in_view (OsaisGalleryCell *self,
                                gboolean          in_view)
{
  OsaisThumbnailLoader *loader = osais_thumbnail_loader_get_default ();
  GdkTexture *texture;
  GFile *file;

  g_return_if_fail (OSAIS_IS_GALLERY_CELL (self));

  if (!self->wants_thumbnail)
    return;

  if (!in_view)
    {
      cancel_request (self);
      return;
    }

  if (self->cancellable != NULL)
    return;

  /* Cached since the cell was bound (the gallery's start-up prefetch,
   * another tile of the same image): shown in the frame being laid out. */
  file = osais_image_get_file (osais_gallery_item_get_image (self->item));
  texture = osais_thumbnail_loader_lookup (loader, file);
  if (texture != NULL)
    {
      self->wants_thumbnail = FALSE;
      osais_gallery_thumbnail_set_texture (self->thumbnail, texture);
      osais_bench_trace_image_shown (file);
      return;
    }

  self->cancellable = g_cancellable_new ();
  osais_thumbnail_loader_load_async (loader, file, self->cancellable, thumbnail_loaded_cb,
                                     g_object_ref (self));
}

gboolean
osais_gallery_cell_get_loading (OsaisGalleryCell *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY_CELL (self), FALSE);

  return self->cancellable != NULL;
}

OsaisGalleryItem *
osais_gallery_cell_get_item (OsaisGalleryCell *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY_CELL (self), NULL);

  return self->item;
}

void
osais_gallery_cell_set_item (OsaisGalleryCell *self,
                             OsaisGalleryItem *item)
{
  gboolean is_card;

  g_return_if_fail (OSAIS_IS_GALLERY_CELL (self));
  g_return_if_fail (item == NULL || OSAIS_IS_GALLERY_ITEM (item));

  if (self->item == item)
    return;

  /* A recycled cell no longer wants the thumbnail it asked for. */
  cancel_request (self);
  self->wants_thumbnail = FALSE;

  g_set_object (&self->item, item);

  is_card = item != NULL && osais_gallery_item_get_kind (item) == OSAIS_GALLERY_ITEM_CARD;
  g_signal_group_set_target (self->job_signals,
                             is_card ? osais_gallery_item_get_job (item) : NULL);
  g_signal_group_set_target (self->images_signals,
                             is_card ? osais_job_get_images (osais_gallery_item_get_job (item))
                                     : NULL);
  g_signal_group_set_target (self->image_signals,
                             item != NULL ? osais_gallery_item_get_image (item) : NULL);

  show_item (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}

const char *
osais_gallery_cell_get_stage_text (OsaisGalleryCell *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY_CELL (self), NULL);

  return self->stage_label != NULL ? gtk_label_get_label (self->stage_label) : NULL;
}

double
osais_gallery_cell_get_fraction (OsaisGalleryCell *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY_CELL (self), 0.0);

  return self->progress_bar != NULL ? gtk_progress_bar_get_fraction (self->progress_bar) : 0.0;
}

guint
osais_gallery_cell_get_position (OsaisGalleryCell *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY_CELL (self), G_MAXUINT);

  if (self->binding == NULL || gtk_list_item_get_item (self->binding) == NULL)
    return G_MAXUINT;
  return gtk_list_item_get_position (self->binding);
}

void
osais_gallery_cell_set_binding (OsaisGalleryCell *self,
                                GtkListItem      *binding)
{
  g_return_if_fail (OSAIS_IS_GALLERY_CELL (self));
  g_return_if_fail (binding == NULL || GTK_IS_LIST_ITEM (binding));

  g_set_weak_pointer (&self->binding, binding);
}

GtkWidget *
osais_gallery_cell_get_star_button (OsaisGalleryCell *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY_CELL (self), NULL);

  ensure_star (self);
  return GTK_WIDGET (self->star_button);
}

GdkPaintable *
osais_gallery_cell_get_paintable (OsaisGalleryCell *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY_CELL (self), NULL);

  return GDK_PAINTABLE (osais_gallery_thumbnail_get_texture (self->thumbnail));
}

static void
osais_gallery_cell_dispose (GObject *object)
{
  OsaisGalleryCell *self = OSAIS_GALLERY_CELL (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->job_signals != NULL)
    g_signal_group_set_target (self->job_signals, NULL);
  if (self->images_signals != NULL)
    g_signal_group_set_target (self->images_signals, NULL);
  if (self->image_signals != NULL)
    g_signal_group_set_target (self->image_signals, NULL);
  g_clear_object (&self->job_signals);
  g_clear_object (&self->images_signals);
  g_clear_object (&self->image_signals);
  g_clear_object (&self->item);
  if (self->list_item != NULL)
    g_signal_handlers_disconnect_by_func (self->list_item, list_item_state_cb, self);
  g_clear_weak_pointer (&self->list_item);
  g_clear_weak_pointer (&self->binding);
  g_clear_handle_id (&self->star_idle_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSAIS_TYPE_GALLERY_CELL);
  self->star_button = NULL;
  self->card = NULL;
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (osais_gallery_cell_parent_class)->dispose (object);
}

static void
osais_gallery_cell_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  OsaisGalleryCell *self = OSAIS_GALLERY_CELL (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_gallery_cell_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  OsaisGalleryCell *self = OSAIS_GALLERY_CELL (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      osais_gallery_cell_set_item (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_gallery_cell_class_init (OsaisGalleryCellClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osais_gallery_cell_dispose;
  object_class->get_property = osais_gallery_cell_get_property;
  object_class->set_property = osais_gallery_cell_set_property;

  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL, OSAIS_TYPE_GALLERY_ITEM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (OSAIS_TYPE_GALLERY_THUMBNAIL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/opensourceais/Studio/osais-gallery-cell.ui");
  gtk_widget_class_bind_template_child (widget_class, OsaisGalleryCell, thumbnail);

  gtk_widget_class_bind_template_callback (widget_class, query_tooltip_cb);
  gtk_widget_class_bind_template_callback (widget_class, pointer_enter_cb);

  /* The thumbnail, and over it the star or in its place the card. */
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  gtk_widget_class_install_action (widget_class, "cell.toggle-favourite", NULL,
                                   toggle_favourite_action);
}

static void
osais_gallery_cell_init (OsaisGalleryCell *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (self, "notify::parent", G_CALLBACK (parent_changed_cb), NULL);
  self->job_signals = g_signal_group_new (OSAIS_TYPE_JOB);
  g_signal_group_connect_swapped (self->job_signals, "notify::stage",
                                  G_CALLBACK (update_card), self);
  g_signal_group_connect_swapped (self->job_signals, "notify::stalled",
                                  G_CALLBACK (update_card), self);
  g_signal_group_connect_swapped (self->job_signals, "notify::announced-images",
                                  G_CALLBACK (update_card), self);
  g_signal_group_connect_swapped (self->job_signals, "notify::error-message",
                                  G_CALLBACK (update_card), self);

  self->images_signals = g_signal_group_new (G_TYPE_LIST_MODEL);
  g_signal_group_connect_swapped (self->images_signals, "items-changed",
                                  G_CALLBACK (update_card), self);

  self->image_signals = g_signal_group_new (OSAIS_TYPE_IMAGE);
  g_signal_group_connect_swapped (self->image_signals, "notify::favourite",
                                  G_CALLBACK (update_star), self);
}
