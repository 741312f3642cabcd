/* osais-input-well.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisInputWell"

#include "config.h"

#include <glib/gi18n.h>

#include "osais-input-well.h"

/* The preview is decoded at most this large: the well shows it at about
 * 300 px, and HiDPI screens double that. */
#define PREVIEW_SIZE 640
/* Nothing larger is read into memory, whatever the engine allows. */
#define MAX_INPUT_BYTES (64 * 1024 * 1024)

struct _OsaisInputWell
{
  AdwBin        parent_instance;

  OsaisEngine  *engine;
  GCancellable *cancellable;

  /* The image held; the error says why it is refused or unsuitable. */
  GBytes       *bytes;
  const char   *content_type;
  guint         width;
  guint         height;
  char         *name;
  char         *error;
  GdkTexture   *preview;

  /* Template widgets */
  GtkStack     *stack;
  GtkPicture   *picture;
  GtkLabel     *info_label;
  GtkLabel     *error_label;
  GtkWidget    *drop_area;
  GtkWidget    *clear_button;
};

G_DEFINE_FINAL_TYPE (OsaisInputWell, osais_input_well, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_ENGINE,
  PROP_HAS_INPUT,
  PROP_ERROR,
  PROP_LOADING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GtkWidget *
osais_input_well_new (void)
{
  return g_object_new (OSAIS_TYPE_INPUT_WELL, NULL);
}

/* State ------------------------------------------------------------------- */

static void
set_error (OsaisInputWell *self,
           const char     *error)
{
  if (g_strcmp0 (self->error, error) == 0)
    return;

  g_free (self->error);
  self->error = g_strdup (error);

  gtk_label_set_label (self->error_label, error != NULL ? error : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), error != NULL);
  if (error != NULL)
    gtk_widget_add_css_class (self->drop_area, "invalid");
  else
    gtk_widget_remove_css_class (self->drop_area, "invalid");

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

/* Why the image held does not suit the engine (the check the session makes
 * before it serves an input), or NULL. */
static char *
check_limits (OsaisInputWell *self)
{
  g_autoptr(GError) error = NULL;

  if (self->bytes == NULL || self->engine == NULL)
    return NULL;
  if (osais_engine_check_input (self->engine, self->bytes, NULL, NULL, NULL, &error))
    return NULL;
  return g_strdup (error->message);
}

static void
update_error (OsaisInputWell *self)
{
  g_autofree char *error = check_limits (self);

  set_error (self, error);
}

/* The loading page's spinner spins while it is on screen only: GTK 4.8 keeps
 * animating a spinning spinner on a hidden stack page, which makes the window
 * draw ~60 frames a second while nothing happens. */
static void
spinner_map_cb (GtkSpinner     *spinner,
                OsaisInputWell *self)
{
  gtk_spinner_start (spinner);
}

static void
spinner_unmap_cb (GtkSpinner     *spinner,
                  OsaisInputWell *self)
{
  gtk_spinner_stop (spinner);
}

static void
update_view (OsaisInputWell *self)
{
  const char *page = "empty";

  if (self->cancellable != NULL)
    page = "loading";
  else if (self->bytes != NULL)
    page = "image";

  gtk_stack_set_visible_child_name (self->stack, page);
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (self->preview));

  if (self->bytes != NULL)
    {
      g_autofree char *size = g_format_size (g_bytes_get_size (self->bytes));
      g_autofree char *info = NULL;
      const char *type = osais_image_extension_for_content_type (self->content_type);
      g_autofree char *type_upper = g_ascii_strup (type, -1);

      /* TRANSLATORS: name · type · width×height · file size */
      info = g_strdup_printf (_("%s · %s · %u×%u · %s"),
                              self->name != NULL ? self->name : _("Pasted image"),
                              type_upper, self->width, self->height, size);
      gtk_label_set_label (self->info_label, info);
      gtk_widget_set_visible (GTK_WIDGET (self->info_label), TRUE);
    }
  else
    {
      gtk_widget_set_visible (GTK_WIDGET (self->info_label), FALSE);
    }

  gtk_widget_set_visible (self->clear_button, self->bytes != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "well.clear", self->bytes != NULL);
}

static void
drop_image (OsaisInputWell *self)
{
  gboolean had_input = self->bytes != NULL;

  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_clear_pointer (&self->name, g_free);
  g_clear_object (&self->preview);
  self->content_type = NULL;
  self->width = self->height = 0;

  if (had_input)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_INPUT]);
}

static void
cancel_loading (OsaisInputWell *self)
{
  if (self->cancellable == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void refuse (OsaisInputWell *self,
                    const char     *message);

/* Loading, off the main thread -------------------------------------------- */

typedef struct
{
  GFile      *file;          /* nullable: bytes were given */
  GdkTexture *texture;       /* nullable: a pasted or dropped picture, encoded here */
  GBytes     *bytes;
  char       *name;
  const char *content_type;
  guint       width;
  guint       height;
  GdkPixbuf  *preview;       /* nullable: no decoder for the type */
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_clear_object (&data->file);
  g_clear_object (&data->texture);
  g_clear_pointer (&data->bytes, g_bytes_unref);
  g_clear_pointer (&data->name, g_free);
  g_clear_object (&data->preview);
  g_free (data);
}

/* Shrinks to the preview size; a small image stays as it is. */
static void
size_prepared_cb (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         user_data)
{
  double scale = MIN ((double) PREVIEW_SIZE / width, (double) PREVIEW_SIZE / height);

  if (scale < 1.0)
    gdk_pixbuf_loader_set_size (loader, MAX (1, (int) (width * scale)),
                                MAX (1, (int) (height * scale)));
}

static GdkPixbuf *
decode_preview (GBytes  *bytes,
                GError **error)
{
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  GdkPixbuf *pixbuf;

  g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb), NULL);
  if (!gdk_pixbuf_loader_write_bytes (loader, bytes, error))
    {
      gdk_pixbuf_loader_close (loader, NULL);
      return NULL;
    }
  if (!gdk_pixbuf_loader_close (loader, error))
    return NULL;

  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      g_set_error_literal (error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_FAILED, "No image");
      return NULL;
    }

  /* Photos from phones are stored sideways with an EXIF orientation. */
  return gdk_pixbuf_apply_embedded_orientation (pixbuf);
}

/* An image larger than any input may be (the core's limits, which the
 * callback server also applies): said before anything is decoded. */
static gboolean
is_too_large (guint width,
              guint height)
{
  return width > OSAIS_IMAGE_MAX_DIMENSION || height > OSAIS_IMAGE_MAX_DIMENSION
         || (guint64) width * height > OSAIS_IMAGE_MAX_PIXELS;
}

/* @name is NULL for a pasted image. */
static GError *
too_large_error (const char *name,
                 guint       width,
                 guint       height)
{
  guint max = OSAIS_IMAGE_MAX_DIMENSION;
  guint megapixels = OSAIS_IMAGE_MAX_PIXELS / (1024 * 1024);

  if (width == 0 || height == 0)
    return name != NULL
           ? g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                          _("“%s” is too large: input images are at most %u×%u pixels"),
                          name, max, max)
           : g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                          _("The pasted image is too large: input images are at most "
                            "%u×%u pixels"), max, max);

  return name != NULL
         ? g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                        _("“%s” is %u×%u pixels; input images are at most %u×%u "
                          "and %u megapixels"),
                        name, width, height, max, max, megapixels)
         : g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                        _("The pasted image is %u×%u pixels; input images are at most "
                          "%u×%u and %u megapixels"),
                        width, height, max, max, megapixels);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadData *data = task_data;
  g_autoptr(GError) error = NULL;
  const char *name;

  if (data->file != NULL)
    {
      g_autoptr(GFileInfo) info = NULL;
      char *contents = NULL;
      gsize length = 0;

      info = g_file_query_info (data->file,
                                G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                                G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME,
                                G_FILE_QUERY_INFO_NONE, cancellable, &error);
      if (info == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      data->name = g_strdup (g_file_info_get_display_name (info));
      if (g_file_info_get_size (info) > MAX_INPUT_BYTES)
        {
          g_autofree char *size = g_format_size (g_file_info_get_size (info));
          g_autofree char *limit = g_format_size (MAX_INPUT_BYTES);

          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                                   _("“%s” is %s; input images are at most %s"),
                                   data->name, size, limit);
          return;
        }

      if (!g_file_load_contents (data->file, cancellable, &contents, &length, NULL, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      data->bytes = g_bytes_new_take (contents, length);
    }

  name = data->name != NULL ? data->name : _("The pasted image");

  /* A picture pasted or dropped as pixels: its size was checked before, the
   * encoding (1.4 s for a 4K one) happens here, off the main thread. */
  if (data->texture != NULL)
    {
      data->bytes = gdk_texture_save_to_png_bytes (data->texture);
      g_clear_object (&data->texture);
      if (g_cancellable_set_error_if_cancelled (cancellable, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      if (g_bytes_get_size (data->bytes) > MAX_INPUT_BYTES)
        {
          g_autofree char *size = g_format_size (g_bytes_get_size (data->bytes));
          g_autofree char *limit = g_format_size (MAX_INPUT_BYTES);

          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                                   _("“%s” is %s; input images are at most %s"),
                                   name, size, limit);
          return;
        }
    }

  if (!osais_image_check (data->bytes, &data->content_type, &data->width, &data->height,
                          &error))
    {
      if (g_error_matches (error, OSAIS_IMAGE_CHECK_ERROR, OSAIS_IMAGE_CHECK_ERROR_UNSUPPORTED))
        {
          if (data->name != NULL)
            g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                     _("“%s” is not a PNG, JPEG or WebP image"), name);
          else
            g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                     _("The pasted image is not a PNG, JPEG or WebP image"));
        }
      else if (g_error_matches (error, OSAIS_IMAGE_CHECK_ERROR,
                                OSAIS_IMAGE_CHECK_ERROR_TOO_LARGE))
        g_task_return_error (task, too_large_error (data->name, data->width, data->height));
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                 _("“%s” cannot be used: %s"), name, error->message);
      return;
    }

  /* Only a preview-sized picture is decoded; an image without a decoder
   * here (WebP on some systems) is still a valid input, shown as an icon. */
  data->preview = decode_preview (data->bytes, &error);
  if (data->preview == NULL)
    g_debug ("No preview for %s: %s", name, error->message);

  g_task_return_boolean (task, TRUE);
}

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  OsaisInputWell *self = OSAIS_INPUT_WELL (object);
  LoadData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      g_debug ("Input refused: %s", error->message);
      g_clear_object (&self->cancellable);
      refuse (self, error->message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
      return;
    }

  g_clear_object (&self->cancellable);
  drop_image (self);
  self->bytes = g_bytes_ref (data->bytes);
  self->content_type = data->content_type;
  self->width = data->width;
  self->height = data->height;
  self->name = g_steal_pointer (&data->name);
  if (data->preview != NULL)
    self->preview = gdk_texture_new_for_pixbuf (data->preview);

  update_error (self);
  update_view (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_INPUT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
load (OsaisInputWell *self,
      LoadData       *data)
{
  g_autoptr(GTask) task = NULL;

  cancel_loading (self);
  self->cancellable = g_cancellable_new ();

  task = g_task_new (self, self->cancellable, load_cb, NULL);
  g_task_set_source_tag (task, load);
  g_task_set_name (task, "[osais] input well load");
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  g_task_run_in_thread (task, load_thread);

  update_view (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

void
osais_input_well_set_file (OsaisInputWell *self,
                           GFile          *file)
{
  LoadData *data;

  g_return_if_fail (OSAIS_IS_INPUT_WELL (self));
  g_return_if_fail (G_IS_FILE (file));

  data = g_new0 (LoadData, 1);
  data->file = g_object_ref (file);
  load (self, data);
}

void
osais_input_well_set_bytes (OsaisInputWell *self,
                            GBytes         *bytes)
{
  LoadData *data;

  g_return_if_fail (OSAIS_IS_INPUT_WELL (self));
  g_return_if_fail (bytes != NULL);

  data = g_new0 (LoadData, 1);
  data->bytes = g_bytes_ref (bytes);
  load (self, data);
}

void
osais_input_well_clear (OsaisInputWell *self)
{
  g_return_if_fail (OSAIS_IS_INPUT_WELL (self));

  cancel_loading (self);
  drop_image (self);
  set_error (self, NULL);
  update_view (self);
}

GBytes *
osais_input_well_dup_bytes (OsaisInputWell  *self,
                            const char     **content_type)
{
  g_return_val_if_fail (OSAIS_IS_INPUT_WELL (self), NULL);

  if (content_type != NULL)
    *content_type = self->content_type;

  return self->bytes != NULL ? g_bytes_ref (self->bytes) : NULL;
}

GdkPaintable *
osais_input_well_get_preview (OsaisInputWell *self)
{
  g_return_val_if_fail (OSAIS_IS_INPUT_WELL (self), NULL);

  return self->bytes != NULL ? GDK_PAINTABLE (self->preview) : NULL;
}

OsaisEngine *
osais_input_well_get_engine (OsaisInputWell *self)
{
  g_return_val_if_fail (OSAIS_IS_INPUT_WELL (self), NULL);

  return self->engine;
}

void
osais_input_well_set_engine (OsaisInputWell *self,
                             OsaisEngine    *engine)
{
  g_return_if_fail (OSAIS_IS_INPUT_WELL (self));
  g_return_if_fail (engine == NULL || OSAIS_IS_ENGINE (engine));

  if (!g_set_object (&self->engine, engine))
    return;

  /* The image stays across engines; only whether it suits them changes. */
  if (self->bytes != NULL)
    update_error (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
}

gboolean
osais_input_well_get_has_input (OsaisInputWell *self)
{
  g_return_val_if_fail (OSAIS_IS_INPUT_WELL (self), FALSE);

  return self->bytes != NULL;
}

gboolean
osais_input_well_get_loading (OsaisInputWell *self)
{
  g_return_val_if_fail (OSAIS_IS_INPUT_WELL (self), FALSE);

  return self->cancellable != NULL;
}

const char *
osais_input_well_get_error (OsaisInputWell *self)
{
  g_return_val_if_fail (OSAIS_IS_INPUT_WELL (self), NULL);

  return self->error;
}

/* Choose, paste, drop ----------------------------------------------------- */

static void
chooser_response_cb (OsaisInputWell       *self,
                     int                   response,
                     GtkFileChooserNative *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        osais_input_well_set_file (self, file);
    }

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (chooser));
  g_object_unref (chooser);
}

static void
choose_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  OsaisInputWell *self = OSAIS_INPUT_WELL (widget);
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  GtkRoot *root = gtk_widget_get_root (widget);

  gtk_file_filter_set_name (filter, _("PNG, JPEG or WebP images"));
  gtk_file_filter_add_mime_type (filter, "image/png");
  gtk_file_filter_add_mime_type (filter, "image/jpeg");
  gtk_file_filter_add_mime_type (filter, "image/webp");

  chooser = gtk_file_chooser_native_new (_("Choose an Input Image"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_signal_connect_object (chooser, "response", G_CALLBACK (chooser_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Whether the person sees the well: shown, and in the visible part of the
 * form's scrolled window. */
static gboolean
in_sight (OsaisInputWell *self)
{
  GtkWidget *scrolled = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_SCROLLED_WINDOW);
  graphene_rect_t bounds;

  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return FALSE;
  if (scrolled == NULL)
    return TRUE;
  if (!gtk_widget_compute_bounds (GTK_WIDGET (self), scrolled, &bounds))
    return FALSE;
  return bounds.origin.y < gtk_widget_get_height (scrolled)
         && bounds.origin.y + bounds.size.height > 0;
}

/* Says why a paste or a drop was refused: in the well and, when the well is
 * out of sight (scrolled away, or the form folded on a narrow screen), in a
 * toast; not twice where it is seen. */
static void
refuse (OsaisInputWell *self,
        const char     *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  cancel_loading (self);
  drop_image (self);
  set_error (self, message);
  update_view (self);
  if (overlay != NULL && !in_sight (self))
    {
      /* A toast's title is markup; a file name such as “R&D.png” is not. */
      g_autofree char *markup = g_markup_escape_text (message, -1);

      adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (markup));
    }
}

/* A pasted or dropped picture: its size is checked first, then it is
 * encoded to PNG on a worker thread while the well shows it is loading. */
static void
set_texture (OsaisInputWell *self,
             GdkTexture     *texture)
{
  guint width = gdk_texture_get_width (texture);
  guint height = gdk_texture_get_height (texture);
  LoadData *data;

  if (is_too_large (width, height))
    {
      g_autoptr(GError) error = too_large_error (NULL, width, height);

      refuse (self, error->message);
      return;
    }

  data = g_new0 (LoadData, 1);
  if (GDK_IS_MEMORY_TEXTURE (texture))
    data->texture = g_object_ref (texture);
  else
    {
      /* A texture on the GPU may only be read here; this is a copy of
       * pixels already checked for size, not an encoding. */
      gsize stride = (gsize) width * 4;
      g_autoptr(GBytes) pixels = NULL;
      guchar *buffer = g_malloc (stride * height);

      gdk_texture_download (texture, buffer, stride);
      pixels = g_bytes_new_take (buffer, stride * height);
      data->texture = gdk_memory_texture_new (width, height, GDK_MEMORY_DEFAULT, pixels, stride);
    }
  load (self, data);
}

static void
paste_texture_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(OsaisInputWell) self = user_data;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (object), result, &error);
  if (texture == NULL)
    {
      refuse (self, error->message);
      return;
    }

  set_texture (self, texture);
}

/* The image types read from another application's clipboard as they are:
 * their bytes are read up to the input limit, and their header is checked
 * before anything decodes them (GTK would decode a texture whole). */
static const char * const paste_mime_types[] = { "image/png", "image/jpeg", "image/webp", NULL };

static void
paste_read_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  GInputStream *stream = task_data;
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  guint8 chunk[64 * 1024];
  gssize n;

  while ((n = g_input_stream_read (stream, chunk, sizeof chunk, cancellable, &error)) > 0)
    {
      if (buffer->len + (gsize) n > MAX_INPUT_BYTES)
        {
          g_autofree char *limit = g_format_size (MAX_INPUT_BYTES);

          g_input_stream_close (stream, NULL, NULL);
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                                   _("The pasted image is larger than %s, the most an input "
                                     "image may be"), limit);
          return;
        }
      g_byte_array_append (buffer, chunk, n);
    }
  g_input_stream_close (stream, NULL, NULL);

  if (n < 0)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&buffer)),
                           (GDestroyNotify) g_bytes_unref);
}

static void
paste_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  OsaisInputWell *self = OSAIS_INPUT_WELL (object);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  bytes = g_task_propagate_pointer (G_TASK (result), &error);
  /* Cancelled: a newer input took the well over, and its own state. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->cancellable);
  if (bytes == NULL)
    {
      refuse (self, error->message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
      return;
    }

  osais_input_well_set_bytes (self, bytes);
}

static void
paste_stream_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(OsaisInputWell) self = user_data;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;

  stream = gdk_clipboard_read_finish (GDK_CLIPBOARD (object), result, NULL, &error);
  if (stream == NULL)
    {
      refuse (self, error->message);
      return;
    }

  /* The well shows it is loading while the bytes come. */
  cancel_loading (self);
  self->cancellable = g_cancellable_new ();
  update_view (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);

  task = g_task_new (self, self->cancellable, paste_read_cb, NULL);
  g_task_set_source_tag (task, paste_stream_cb);
  g_task_set_name (task, "[osais] input well paste");
  g_task_set_task_data (task, g_steal_pointer (&stream), g_object_unref);
  g_task_run_in_thread (task, paste_read_thread);
}

static void
paste_files_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(OsaisInputWell) self = user_data;
  g_autoptr(GError) error = NULL;
  const GValue *value;
  GSList *files;

  value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (object), result, &error);
  if (value == NULL)
    {
      set_error (self, error->message);
      update_view (self);
      return;
    }

  files = g_value_get_boxed (value);
  if (files != NULL)
    osais_input_well_set_file (self, files->data);
}

static gboolean
has_paste_mime_type (GdkContentFormats *formats)
{
  for (guint i = 0; paste_mime_types[i] != NULL; i++)
    {
      if (gdk_content_formats_contain_mime_type (formats, paste_mime_types[i]))
        return TRUE;
    }

  return FALSE;
}

/* Whether this process's clipboard holds a texture as an object (copied
 * from a GdkTexture, not bytes that would need decoding); sets @value. */
static gboolean
local_texture (GdkClipboard *clipboard,
               GValue       *value)
{
  GdkContentProvider *content = gdk_clipboard_get_content (clipboard);

  return content != NULL && gdk_content_provider_get_value (content, value, NULL);
}

static void
paste_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  OsaisInputWell *self = OSAIS_INPUT_WELL (widget);
  g_auto(GValue) texture = G_VALUE_INIT;
  GdkClipboard *clipboard = gtk_widget_get_clipboard (widget);
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);

  g_value_init (&texture, GDK_TYPE_TEXTURE);

  /* Files copied in a file manager come first: their bytes are the
   * original, not a re-encoding. */
  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST))
    gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT, NULL,
                                    paste_files_cb, g_object_ref (self));
  /* Our own clipboard may hold the texture itself: nothing to decode. */
  else if (local_texture (clipboard, &texture))
    set_texture (self, g_value_get_object (&texture));
  else if (has_paste_mime_type (formats))
    gdk_clipboard_read_async (clipboard, (const char **) paste_mime_types, G_PRIORITY_DEFAULT,
                              NULL, paste_stream_cb, g_object_ref (self));
  else if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE))
    gdk_clipboard_read_texture_async (clipboard, NULL, paste_texture_cb, g_object_ref (self));
  else
    refuse (self, _("The clipboard holds no image"));
}

static void
clear_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  osais_input_well_clear (OSAIS_INPUT_WELL (widget));
}

static gboolean
drop_cb (OsaisInputWell *self,
         const GValue   *value,
         double          x,
         double          y,
         GtkDropTarget  *target)
{
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = g_value_get_boxed (value);
      g_autoptr(GPtrArray) uris = g_ptr_array_new_null_terminated (0, g_free, TRUE);

      if (files == NULL)
        return FALSE;
      for (GSList *l = files; l != NULL; l = l->next)
        g_ptr_array_add (uris, g_file_get_uri (l->data));
      /* In a window, files go where a drop on the window sends them (one is
       * this well's input, several make one job each): its win.open-files;
       * the well alone takes the first. */
      if (!gtk_widget_activate_action (GTK_WIDGET (self), "win.open-files", "^as", uris->pdata))
        osais_input_well_set_file (self, files->data);
      return TRUE;
    }

  if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE))
    {
      set_texture (self, g_value_get_object (value));
      return TRUE;
    }

  return FALSE;
}

/* GObject ----------------------------------------------------------------- */

static void
osais_input_well_dispose (GObject *object)
{
  OsaisInputWell *self = OSAIS_INPUT_WELL (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSAIS_TYPE_INPUT_WELL);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->engine);
  g_clear_object (&self->preview);
  g_clear_pointer (&self->bytes, g_bytes_unref);

  G_OBJECT_CLASS (osais_input_well_parent_class)->dispose (object);
}

static void
osais_input_well_finalize (GObject *object)
{
  OsaisInputWell *self = OSAIS_INPUT_WELL (object);

  g_free (self->name);
  g_free (self->error);

  G_OBJECT_CLASS (osais_input_well_parent_class)->finalize (object);
}

static void
osais_input_well_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  OsaisInputWell *self = OSAIS_INPUT_WELL (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;

    case PROP_HAS_INPUT:
      g_value_set_boolean (value, osais_input_well_get_has_input (self));
      break;

    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;

    case PROP_LOADING:
      g_value_set_boolean (value, osais_input_well_get_loading (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_input_well_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  OsaisInputWell *self = OSAIS_INPUT_WELL (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      osais_input_well_set_engine (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_input_well_class_init (OsaisInputWellClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osais_input_well_dispose;
  object_class->finalize = osais_input_well_finalize;
  object_class->get_property = osais_input_well_get_property;
  object_class->set_property = osais_input_well_set_property;

  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL,
                         OSAIS_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HAS_INPUT] =
    g_param_spec_boolean ("has-input", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/opensourceais/Studio/osais-input-well.ui");
  gtk_widget_class_bind_template_child (widget_class, OsaisInputWell, stack);
  gtk_widget_class_bind_template_child (widget_class, OsaisInputWell, picture);
  gtk_widget_class_bind_template_child (widget_class, OsaisInputWell, info_label);
  gtk_widget_class_bind_template_child (widget_class, OsaisInputWell, error_label);
  gtk_widget_class_bind_template_child (widget_class, OsaisInputWell, drop_area);
  gtk_widget_class_bind_template_child (widget_class, OsaisInputWell, clear_button);
  gtk_widget_class_bind_template_callback (widget_class, spinner_map_cb);
  gtk_widget_class_bind_template_callback (widget_class, spinner_unmap_cb);

  gtk_widget_class_install_action (widget_class, "well.choose", NULL, choose_action);
  gtk_widget_class_install_action (widget_class, "well.paste", NULL, paste_action);
  gtk_widget_class_install_action (widget_class, "well.clear", NULL, clear_action);
}

static void
osais_input_well_init (OsaisInputWell *self)
{
  GtkDropTarget *drop_target;
  GType drop_types[] = { GDK_TYPE_FILE_LIST, GDK_TYPE_TEXTURE };

  gtk_widget_init_template (GTK_WIDGET (self));

  drop_target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop_target, drop_types, G_N_ELEMENTS (drop_types));
  g_signal_connect_swapped (drop_target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop_target));

  update_view (self);
}
