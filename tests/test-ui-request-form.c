/* test-ui-request-form.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTestRequestForm"


#include "osais-input-well.h"
#include "osais-request-form.h"
#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"

/* Helpers ----------------------------------------------------------------- */

static gboolean
well_settled (gpointer data)
{
  return !osais_input_well_get_loading (OSAIS_INPUT_WELL (data));
}

static OsaisInputWell *
form_get_well (OsaisRequestForm *form)
{
  OsaisEngine *engine = osais_request_form_get_engine (form);
  GtkWidget *well = osais_request_form_get_field (form,
                                                  osais_engine_get_input_param (engine)->name);

  g_assert_true (OSAIS_IS_INPUT_WELL (well));

  return OSAIS_INPUT_WELL (well);
}

static void
wait_for_well (OsaisRequestForm *form)
{
  osais_ui_test_wait_until (well_settled, form_get_well (form), "the input image to load");
}

static GListModel *
load_engines (void)
{
  g_autoptr(GPtrArray) warnings = NULL;
  GListModel *engines = osais_engines_load (&warnings);

  g_assert_cmpuint (warnings->len, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (engines), >=, 4);

  return engines;
}

static OsaisRequestForm *
new_form (GListModel *engines,
          const char *name)
{
  OsaisRequestForm *form = g_object_ref_sink (OSAIS_REQUEST_FORM (osais_request_form_new ()));
  OsaisEngine *engine = osais_engines_lookup (engines, name);

  g_assert_nonnull (engine);
  osais_request_form_set_engine (form, engine);
  g_assert_true (osais_request_form_get_engine (form) == engine);

  return form;
}

/* Writes a PNG of @width×@height into the data folder; returns its file. */
static GFile *
write_png (const char *name,
           int         width,
           int         height)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (osais_test_get_dir (), name, NULL);

  gdk_pixbuf_fill (pixbuf, 0x3584e4ff);
  gdk_pixbuf_save (pixbuf, path, "png", &error, NULL);
  g_assert_no_error (error);

  return g_file_new_for_path (path);
}

static GFile *
write_file (const char *name,
            const char *contents,
            gsize       length)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (osais_test_get_dir (), name, NULL);

  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);

  return g_file_new_for_path (path);
}

static guint
count_descendants (GtkWidget *widget,
                   GType      type)
{
  guint n = G_TYPE_CHECK_INSTANCE_TYPE (widget, type) ? 1 : 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_descendants (child, type);

  return n;
}

static void
set_prompt (OsaisRequestForm *form,
            const char       *text)
{
  GtkWidget *view = osais_request_form_get_field (form, "word");

  g_assert_true (GTK_IS_TEXT_VIEW (view));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), text, -1);
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  (*(guint *) user_data)++;
}

/* Tests ------------------------------------------------------------------- */

static gboolean
is_seed (const OsaisEngineParam *param)
{
  return param->type == OSAIS_PARAM_TYPE_FUNCTION && param->sent;
}

static void
test_every_engine (void)
{
  g_autoptr(GListModel) engines = load_engines ();

  for (guint i = 0; i < g_list_model_get_n_items (engines); i++)
    {
      g_autoptr(OsaisEngine) engine = g_list_model_get_item (engines, i);
      g_autoptr(OsaisRequestForm) form = NULL;
      const OsaisEngineParam *input = osais_engine_get_input_param (engine);
      guint expected = 0;

      g_test_message ("engine %s", osais_engine_get_name (engine));
      form = new_form (engines, osais_engine_get_name (engine));

      for (guint p = 0; p < osais_engine_get_n_params (engine); p++)
        {
          const OsaisEngineParam *param = osais_engine_get_param (engine, p);
          GtkWidget *field = osais_request_form_get_field (form, param->name);

          switch (param->widget)
            {
            case OSAIS_PARAM_WIDGET_EDIT:
              g_assert_nonnull (field);
              g_assert_true (GTK_IS_TEXT_VIEW (field) || ADW_IS_ENTRY_ROW (field));
              expected++;
              break;

            case OSAIS_PARAM_WIDGET_RANGE_SLIDER:
              g_assert_true (ADW_IS_ACTION_ROW (field));
              g_assert_cmpuint (count_descendants (field, GTK_TYPE_SCALE), ==, 1);
              expected++;
              break;

            case OSAIS_PARAM_WIDGET_MULTI_TOGGLE:
              g_assert_nonnull (field);
              g_assert_cmpuint (count_descendants (field, GTK_TYPE_TOGGLE_BUTTON), ==,
                                param->accept_values->len);
              expected++;
              break;

            case OSAIS_PARAM_WIDGET_SELECT_PICTURE:
              g_assert_true (OSAIS_IS_INPUT_WELL (field));
              break;

            case OSAIS_PARAM_WIDGET_NONE:
            default:
              if (is_seed (param))
                {
                  g_assert_true (ADW_IS_ENTRY_ROW (field));
                  expected++;
                }
              else if (param == input)
                g_assert_true (OSAIS_IS_INPUT_WELL (field));
              else
                g_assert_null (field);
            }
        }

      g_assert_cmpuint (osais_request_form_get_n_fields (form), ==, expected);

      /* A fresh form of an engine with a mandatory input or prompt cannot run. */
      if (input != NULL && input->mandatory)
        {
          g_assert_false (osais_request_form_get_valid (form));
          g_assert_nonnull (osais_request_form_get_invalid_reason (form));
        }
    }

  g_assert_cmpuint (g_list_model_get_n_items (engines), >=, 4);
}

static void
test_diffusion_prompt (void)
{
  g_autoptr(GListModel) engines = load_engines ();
  g_autoptr(OsaisRequestForm) form = new_form (engines, "diffusion");
  g_autoptr(GHashTable) values = NULL;

  /* The empty prompt is what keeps Run disabled, and the reason says so. */
  g_assert_false (osais_request_form_get_valid (form));
  g_assert_nonnull (strstr (osais_request_form_get_invalid_reason (form),
                            "Input (Text and/or Image)"));

  set_prompt (form, "gold coin");
  g_assert_true (osais_request_form_get_valid (form));
  g_assert_null (osais_request_form_get_invalid_reason (form));

  values = osais_request_form_dup_values (form);
  g_assert_cmpstr (g_hash_table_lookup (values, "word"), ==, "gold coin");
  g_assert_cmpstr (g_hash_table_lookup (values, "steps"), ==, "20");
  g_assert_cmpstr (g_hash_table_lookup (values, "guidance"), ==, "7.5");
  g_assert_cmpstr (g_hash_table_lookup (values, "cimg"), ==, "1");
  g_assert_false (g_hash_table_contains (values, "model"));
  g_assert_false (g_hash_table_contains (values, "output"));

  g_assert_finalize_object (g_steal_pointer (&form));
}

static void
test_conditional (void)
{
  g_autoptr(GListModel) engines = load_engines ();
  g_autoptr(OsaisRequestForm) form = new_form (engines, "diffusion");
  g_autoptr(GFile) png = write_png ("conditional.png", 320, 240);
  GtkWidget *guidance = osais_request_form_get_field (form, "guidance");
  GtkWidget *strength = osais_request_form_get_field (form, "strength");

  g_assert_true (gtk_widget_get_visible (guidance));
  g_assert_false (gtk_widget_get_visible (strength));

  osais_request_form_set_input_file (form, png);
  wait_for_well (form);
  g_assert_true (osais_request_form_get_has_input (form));
  g_assert_false (gtk_widget_get_visible (guidance));
  g_assert_true (gtk_widget_get_visible (strength));

  osais_request_form_reset (form);
  g_assert_false (osais_request_form_get_has_input (form));
  g_assert_true (gtk_widget_get_visible (guidance));
  g_assert_false (gtk_widget_get_visible (strength));

  g_assert_finalize_object (g_steal_pointer (&form));
}

static void
test_autofill (void)
{
  g_autoptr(GListModel) engines = load_engines ();
  g_autoptr(OsaisRequestForm) form = new_form (engines, "diffusion");
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;
  GtkWidget *width = osais_request_form_get_field (form, "width");
  GtkWidget *toggle = NULL;

  before = osais_request_form_dup_values (form);
  g_assert_cmpstr (g_hash_table_lookup (before, "width"), ==, "512");
  g_assert_cmpstr (g_hash_table_lookup (before, "height"), ==, "512");

  toggle = osais_ui_test_find_toggle_button (width, "640x640");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (toggle)), ==, "640x640");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), TRUE);

  after = osais_request_form_dup_values (form);
  g_assert_cmpstr (g_hash_table_lookup (after, "width"), ==, "640");
  g_assert_cmpstr (g_hash_table_lookup (after, "height"), ==, "640");

  g_assert_finalize_object (g_steal_pointer (&form));
}

static void
test_invalid_value (void)
{
  g_autoptr(GListModel) engines = load_engines ();
  g_autoptr(OsaisRequestForm) form = new_form (engines, "diffusion");
  GtkWidget *seed = osais_request_form_get_field (form, "seed");
  guint n_valid = 0;
  guint n_reason = 0;

  set_prompt (form, "a lighthouse");
  g_assert_true (osais_request_form_get_valid (form));

  g_signal_connect (form, "notify::valid", G_CALLBACK (count_notify_cb), &n_valid);
  g_signal_connect (form, "notify::invalid-reason", G_CALLBACK (count_notify_cb), &n_reason);

  gtk_editable_set_text (GTK_EDITABLE (seed), "abc");
  g_assert_false (osais_request_form_get_valid (form));
  g_assert_nonnull (strstr (osais_request_form_get_invalid_reason (form), "“seed”"));
  g_assert_nonnull (strstr (osais_request_form_get_invalid_reason (form), "abc"));
  /* Beside Run, only what to do, in words that fit there, naming the field
   * as the form does. */
  g_assert_cmpstr (osais_request_form_get_invalid_hint (form), ==, "Check “Seed”");
  g_assert_true (gtk_widget_has_css_class (seed, "error"));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (seed), ==,
                   osais_request_form_get_invalid_reason (form));
  g_assert_cmpuint (n_valid, ==, 1);
  g_assert_cmpuint (n_reason, ==, 1);

  gtk_editable_set_text (GTK_EDITABLE (seed), "42");
  g_assert_true (osais_request_form_get_valid (form));
  g_assert_null (osais_request_form_get_invalid_reason (form));
  g_assert_false (gtk_widget_has_css_class (seed, "error"));
  g_assert_cmpuint (n_valid, ==, 2);
  g_assert_cmpuint (n_reason, ==, 2);

  g_assert_finalize_object (g_steal_pointer (&form));
}

static void
test_seed (void)
{
  g_autoptr(GListModel) engines = load_engines ();
  g_autoptr(OsaisRequestForm) form = new_form (engines, "diffusion");
  g_autoptr(GHashTable) first = NULL;
  g_autoptr(GHashTable) second = NULL;
  GtkWidget *seed = osais_request_form_get_field (form, "seed");

  set_prompt (form, "dice");

  /* An empty seed is random, drawn for each request… */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (seed)), ==, "");
  first = osais_request_form_dup_values (form);
  g_assert_nonnull (g_hash_table_lookup (first, "seed"));

  /* …and Reuse Last gives back the one sent. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (form), "form.reuse-seed", NULL));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (seed)), ==,
                   g_hash_table_lookup (first, "seed"));
  second = osais_request_form_dup_values (form);
  g_assert_cmpstr (g_hash_table_lookup (second, "seed"), ==,
                   g_hash_table_lookup (first, "seed"));

  g_assert_finalize_object (g_steal_pointer (&form));
}

static void
test_values_from_json (void)
{
  static const char *json =
    "{\"word\": \"a red fox, oil painting\", \"steps\": 42, \"guidance\": 9.5,"
    " \"strength\": 0.25, \"width\": 640, \"height\": 640, \"cimg\": 3, \"seed\": 1234,"
    " \"url_upload\": \"http://127.0.0.1:3024/input/abc\"}";
  static const struct { const char *name; const char *value; } expected[] = {
    { "word", "a red fox, oil painting" },
    { "steps", "42" },
    { "guidance", "9.5" },
    { "strength", "0.25" },
    { "width", "640" },
    { "height", "640" },
    { "cimg", "3" },
    { "seed", "1234" },
  };
  g_autoptr(GListModel) engines = load_engines ();
  g_autoptr(OsaisRequestForm) form = new_form (engines, "diffusion");
  g_autoptr(GHashTable) values = NULL;

  osais_request_form_set_values_from_json (form, json);
  g_assert_true (osais_request_form_get_valid (form));

  values = osais_request_form_dup_values (form);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (g_hash_table_lookup (values, expected[i].name), ==, expected[i].value);
  g_assert_cmpuint (g_hash_table_size (values), ==, G_N_ELEMENTS (expected));

  g_assert_finalize_object (g_steal_pointer (&form));
}

static void
test_input_png (void)
{
  g_autoptr(GListModel) engines = load_engines ();
  g_autoptr(OsaisRequestForm) form = new_form (engines, "rembg");
  g_autoptr(GFile) png = write_png ("input.png", 400, 300);
  g_autoptr(GBytes) expected = g_file_load_bytes (png, NULL, NULL, NULL);
  g_autoptr(GBytes) input = NULL;
  const char *content_type = NULL;
  OsaisInputWell *well = form_get_well (form);
  GtkWidget *picture;
  guint n_has_input = 0;

  g_signal_connect (form, "notify::has-input", G_CALLBACK (count_notify_cb), &n_has_input);
  g_assert_false (osais_request_form_get_valid (form));

  osais_request_form_set_input_file (form, png);
  /* Nothing is read on the main thread: the well loads in the background. */
  g_assert_true (osais_input_well_get_loading (well));
  wait_for_well (form);

  g_assert_true (osais_request_form_get_has_input (form));
  g_assert_cmpuint (n_has_input, ==, 1);
  g_assert_null (osais_input_well_get_error (well));
  g_assert_true (osais_request_form_get_valid (form));

  g_assert_nonnull (osais_input_well_get_preview (well));
  picture = osais_ui_test_find_descendant (GTK_WIDGET (well), GTK_TYPE_PICTURE);
  g_assert_true (gtk_picture_get_paintable (GTK_PICTURE (picture))
                 == osais_input_well_get_preview (well));
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (osais_input_well_get_preview (well)),
                   ==, 400);

  input = osais_request_form_dup_input (form, &content_type);
  g_assert_true (g_bytes_equal (input, expected));
  g_assert_cmpstr (content_type, ==, "image/png");

  g_assert_finalize_object (g_steal_pointer (&form));
}

static void
test_input_too_small (void)
{
  g_autoptr(GListModel) engines = load_engines ();
  g_autoptr(OsaisRequestForm) form = new_form (engines, "rembg");
  g_autoptr(GFile) small = write_png ("small.png", 100, 120);
  g_autoptr(GFile) right = write_png ("right.png", 300, 300);
  OsaisInputWell *well = form_get_well (form);
  const char *error;

  osais_request_form_set_input_file (form, small);
  wait_for_well (form);

  /* The image is held (and shown) but refused for this engine, with why. */
  g_assert_true (osais_request_form_get_has_input (form));
  error = osais_input_well_get_error (well);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error, "100×120"));
  g_assert_nonnull (strstr (error, "at least 256×256"));
  g_assert_false (osais_request_form_get_valid (form));
  g_assert_cmpstr (osais_request_form_get_invalid_reason (form), ==, error);

  /* Switching to an engine without limits makes it acceptable. */
  osais_request_form_set_engine (form, osais_engines_lookup (engines, "gfpgan"));
  g_assert_null (osais_input_well_get_error (well));
  g_assert_true (osais_request_form_get_valid (form));
  osais_request_form_set_engine (form, osais_engines_lookup (engines, "rembg"));
  g_assert_false (osais_request_form_get_valid (form));

  osais_request_form_set_input_file (form, right);
  wait_for_well (form);
  g_assert_null (osais_input_well_get_error (well));
  g_assert_true (osais_request_form_get_valid (form));

  g_assert_finalize_object (g_steal_pointer (&form));
}

typedef struct
{
  const char *text;
  guint       count;
} LabelCount;

static void
count_labels (GtkWidget  *widget,
              LabelCount *labels)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_is_visible (widget)
      && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), labels->text) == 0)
    labels->count++;
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    count_labels (child, labels);
}

/* How many labels under @widget show @text, their parents shown too. */
static guint
count_shown_labels (GtkWidget  *widget,
                    const char *text)
{
  LabelCount labels = { text, 0 };

  count_labels (widget, &labels);
  return labels.count;
}

static void
test_input_refused (void)
{
  static const char gif[] = "GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!"
                            "\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00"
                            "\x00\x02\x02\x44\x01\x00;";
  g_autoptr(GListModel) engines = load_engines ();
  g_autoptr(OsaisRequestForm) form = new_form (engines, "gfpgan");
  g_autoptr(GFile) gif_file = write_file ("anim.gif", gif, sizeof gif - 1);
  g_autoptr(GFile) text_file = write_file ("notes.png", "not an image\n", 13);
  OsaisInputWell *well = form_get_well (form);

  osais_request_form_set_input_file (form, gif_file);
  wait_for_well (form);
  g_assert_false (osais_request_form_get_has_input (form));
  g_assert_cmpstr (osais_input_well_get_error (well), ==,
                   "“anim.gif” is not a PNG, JPEG or WebP image");
  g_assert_false (osais_request_form_get_valid (form));
  g_assert_cmpstr (osais_request_form_get_invalid_reason (form), ==,
                   osais_input_well_get_error (well));
  /* Said once in the form, by the well, not again in the form's caption. */
  g_assert_cmpuint (count_shown_labels (GTK_WIDGET (form), osais_input_well_get_error (well)),
                    ==, 1);

  /* The name does not make an image: the bytes are what count. */
  osais_request_form_set_input_file (form, text_file);
  wait_for_well (form);
  g_assert_false (osais_request_form_get_has_input (form));
  g_assert_cmpstr (osais_input_well_get_error (well), ==,
                   "“notes.png” is not a PNG, JPEG or WebP image");

  /* A reason of the form's own is its caption's. */
  osais_input_well_clear (well);
  g_assert_null (osais_input_well_get_error (well));
  g_assert_cmpuint (count_shown_labels (GTK_WIDGET (form),
                                        osais_request_form_get_invalid_reason (form)), ==, 1);

  g_assert_finalize_object (g_steal_pointer (&form));
}

static void
test_drop (void)
{
  g_autoptr(GListModel) engines = load_engines ();
  g_autoptr(OsaisRequestForm) form = new_form (engines, "gfpgan");
  g_autoptr(GFile) png = write_png ("dropped.png", 256, 256);
  g_autoptr(GBytes) expected = g_file_load_bytes (png, NULL, NULL, NULL);
  g_autoptr(GBytes) input = NULL;
  OsaisInputWell *well = form_get_well (form);

  g_assert_true (osais_ui_test_drop_file (GTK_WIDGET (well), png, 10.0, 10.0));
  wait_for_well (form);

  g_assert_true (osais_request_form_get_has_input (form));
  input = osais_request_form_dup_input (form, NULL);
  g_assert_true (g_bytes_equal (input, expected));
  g_assert_true (osais_request_form_get_valid (form));

  g_assert_finalize_object (g_steal_pointer (&form));
}

static void
test_screenshot (void)
{
  g_autoptr(GListModel) engines = load_engines ();
  g_autoptr(GFile) png = write_png ("screenshot.png", 640, 480);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  OsaisRequestForm *form = OSAIS_REQUEST_FORM (g_object_ref_sink (osais_request_form_new ()));

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (form));
  gtk_window_set_child (GTK_WINDOW (window), scrolled);
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 1000);

  osais_request_form_set_engine (form, osais_engines_lookup (engines, "diffusion"));
  set_prompt (form, "gold coin from rome 100 BC, full size");
  osais_request_form_set_input_file (form, png);
  wait_for_well (form);
  gtk_window_present (GTK_WINDOW (window));
  osais_ui_test_wait_painted (window, 1);

  /* Keyboard focus starts in the prompt. */
  g_assert_true (osais_request_form_focus_prompt (form));
  g_assert_true (gtk_widget_has_focus (osais_request_form_get_field (form, "word")));

  osais_ui_test_settle (500);
  osais_ui_test_save_screenshot (window, "request-form-diffusion.png");

  osais_request_form_set_engine (form, osais_engines_lookup (engines, "rembg"));
  osais_ui_test_settle (500);
  osais_ui_test_save_screenshot (window, "request-form-rembg.png");

  osais_request_form_set_engine (form, osais_engines_lookup (engines, "gfpgan"));
  osais_request_form_reset (form);
  osais_ui_test_settle (500);
  osais_ui_test_save_screenshot (window, "request-form-gfpgan-empty.png");

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (form);
}

#ifdef OSAIS_TEST_HAVE_XTEST
typedef struct
{
  GtkRange      *scale;
  GtkAdjustment *adjustment;
  double         scale_value;
  double         scroll_value;
} ScrollRun;

/* Either the form scrolled or the slider took the wheel: the event was
 * handled, one way or the other. */
static gboolean
wheel_handled (gpointer data)
{
  ScrollRun *run = data;

  return gtk_range_get_value (run->scale) != run->scale_value ||
         gtk_adjustment_get_value (run->adjustment) != run->scroll_value;
}

/* A wheel turned one notch down (button 5) over the middle of @widget, as
 * the user's. */
static void
wheel_down_over (GtkWidget *widget)
{
  osais_ui_test_click (osais_ui_test_pointer_over (widget), 5, 0);
}
#endif

/* A wheel turned over a slider the user has not picked scrolls the form and
 * leaves the slider alone; once the slider has the focus, the wheel is its. */
static void
test_scroll_over_slider (void)
{
#ifdef OSAIS_TEST_HAVE_XTEST
  g_autoptr(GListModel) engines = load_engines ();
  GtkWidget *window = gtk_window_new ();
  OsaisRequestForm *form = OSAIS_REQUEST_FORM (g_object_ref_sink (osais_request_form_new ()));
  GtkWidget *row;
  GtkWidget *scrolled;
  graphene_point_t point;
  ScrollRun run = { 0 };

  if (!osais_ui_test_have_xtest ())
    {
      g_test_skip ("Needs an X server with XTEST");
      return;
    }

  /* Short enough that the form scrolls, as the window packs it. */
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (form));
  gtk_window_set_child (GTK_WINDOW (window), scrolled);
  gtk_window_set_default_size (GTK_WINDOW (window), 400, 500);
  osais_request_form_set_engine (form, osais_engines_lookup (engines, "diffusion"));
  gtk_window_present (GTK_WINDOW (window));
  osais_ui_test_wait_painted (window, 2);

  row = osais_request_form_get_field (form, "steps");
  g_assert_nonnull (row);
  run.scale = GTK_RANGE (osais_ui_test_find_descendant (row, GTK_TYPE_SCALE));
  run.adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  g_assert_cmpfloat (gtk_adjustment_get_upper (run.adjustment), >,
                     gtk_adjustment_get_page_size (run.adjustment));

  /* The slider on screen, with room to scroll further; the focus in the
   * prompt. */
  g_assert_true (osais_request_form_focus_prompt (form));
  g_assert_false (gtk_widget_has_focus (GTK_WIDGET (run.scale)));
  g_assert_true (gtk_widget_compute_point (GTK_WIDGET (run.scale), scrolled,
                                           &GRAPHENE_POINT_INIT (0, 0), &point));
  gtk_adjustment_set_value (run.adjustment, MAX (0, point.y - 100));
  osais_ui_test_wait_painted (window, 2);
  g_assert_cmpfloat (gtk_adjustment_get_value (run.adjustment), <,
                     gtk_adjustment_get_upper (run.adjustment)
                     - gtk_adjustment_get_page_size (run.adjustment));

  run.scale_value = gtk_range_get_value (run.scale);
  run.scroll_value = gtk_adjustment_get_value (run.adjustment);
  wheel_down_over (GTK_WIDGET (run.scale));
  osais_ui_test_wait_until (wheel_handled, &run, "the wheel over the slider");
  g_assert_cmpfloat (gtk_range_get_value (run.scale), ==, run.scale_value);
  g_assert_cmpfloat (gtk_adjustment_get_value (run.adjustment), >, run.scroll_value);

  /* Focused, the slider takes the wheel, and the form stays put. */
  gtk_widget_grab_focus (GTK_WIDGET (run.scale));
  osais_ui_test_wait_painted (window, 2);
  run.scale_value = gtk_range_get_value (run.scale);
  run.scroll_value = gtk_adjustment_get_value (run.adjustment);
  wheel_down_over (GTK_WIDGET (run.scale));
  osais_ui_test_wait_until (wheel_handled, &run, "the wheel over the focused slider");
  g_assert_cmpfloat (gtk_range_get_value (run.scale), !=, run.scale_value);
  g_assert_cmpfloat (gtk_adjustment_get_value (run.adjustment), ==, run.scroll_value);

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (form);
#else
  g_test_skip ("Built without XTEST");
#endif
}

int
main (int   argc,
      char *argv[])
{
  osais_ui_test_init (&argc, &argv);
  osais_ui_test_load_app_style ();

  g_test_add_func ("/Osais/RequestForm/every-engine", test_every_engine);
  g_test_add_func ("/Osais/RequestForm/diffusion-prompt", test_diffusion_prompt);
  g_test_add_func ("/Osais/RequestForm/conditional", test_conditional);
  g_test_add_func ("/Osais/RequestForm/autofill", test_autofill);
  g_test_add_func ("/Osais/RequestForm/invalid-value", test_invalid_value);
  g_test_add_func ("/Osais/RequestForm/seed", test_seed);
  g_test_add_func ("/Osais/RequestForm/values-from-json", test_values_from_json);
  g_test_add_func ("/Osais/RequestForm/input-png", test_input_png);
  g_test_add_func ("/Osais/RequestForm/input-too-small", test_input_too_small);
  g_test_add_func ("/Osais/RequestForm/input-refused", test_input_refused);
  g_test_add_func ("/Osais/RequestForm/drop", test_drop);
  g_test_add_func ("/Osais/RequestForm/screenshot", test_screenshot);
  g_test_add_func ("/Osais/RequestForm/scroll-over-slider", test_scroll_over_slider);

  return g_test_run ();
}
