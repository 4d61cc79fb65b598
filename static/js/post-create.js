// Previews, an alt text per photo, reordering and an upload progress bar. Without
// JavaScript the form still posts the photos, in the order picked, to this page.
(() => {
  const form = document.getElementById("post-create-form");
  const input = document.getElementById("id_images");
  const list = document.getElementById("photo-list");
  const progress = document.getElementById("upload-progress");
  const errorBox = document.getElementById("upload-error");
  const maxFiles = Number(form.dataset.maxFiles);
  let photos = [];  // {file, url, alt}
  // The picked files move into `photos` and the input is emptied so more can be added:
  // its "No file chosen" would then be wrong, so only its button stays visible.
  input.classList.add("text-transparent");

  function render() {
    list.replaceChildren(...photos.map((photo, index) => {
      const item = document.createElement("li");
      item.className = "flex items-start gap-3";
      const img = document.createElement("img");
      img.src = photo.url;
      img.alt = "";
      img.className = "post-thumb-small";
      const fields = document.createElement("div");
      fields.className = "flex-1 space-y-1";
      const label = document.createElement("label");
      label.className = "block text-xs font-medium text-gray-700";
      label.textContent = `Alt text for photo ${index + 1} (describe it for people who can't see it)`;
      const alt = document.createElement("input");
      alt.type = "text";
      alt.maxLength = 1000;
      alt.value = photo.alt;
      alt.className = "w-full rounded-lg border border-gray-300 px-2 py-1 text-sm";
      alt.addEventListener("input", () => { photo.alt = alt.value; });
      label.append(alt);
      const buttons = document.createElement("div");
      buttons.className = "flex flex-wrap gap-2 text-xs";
      const button = (text, action, disabled) => {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = text;
        b.disabled = disabled;
        b.className = "whitespace-nowrap rounded bg-gray-100 px-2 py-1 hover:bg-gray-200 disabled:opacity-40";
        b.addEventListener("click", action);
        return b;
      };
      const move = (to) => () => {
        photos.splice(to, 0, photos.splice(index, 1)[0]);
        render();
      };
      buttons.append(
        button("Move up", move(index - 1), index === 0),
        button("Move down", move(index + 1), index === photos.length - 1),
        button("Remove", () => { URL.revokeObjectURL(photo.url); photos.splice(index, 1); render(); }, false),
      );
      fields.append(label, buttons);
      item.append(img, fields);
      return item;
    }));
  }

  function addPickedFiles() {
    for (const file of input.files) {
      photos.push({file, url: URL.createObjectURL(file), alt: ""});
    }
    input.value = "";
    input.required = photos.length === 0;
    errorBox.classList.toggle("hidden", photos.length <= maxFiles);
    errorBox.textContent = photos.length > maxFiles ? `A post has at most ${maxFiles} photos.` : "";
    render();
  }

  input.addEventListener("change", addPickedFiles);
  // Files picked before this script ran (a fast picker, or the browser restoring the form
  // on back/forward) fired no change event we could hear.
  if (input.files.length) addPickedFiles();

  function showError(body) {
    const messages = body && typeof body === "object"
      ? Object.values(body).flat().join(" ")
      : "Something went wrong. Try again.";
    errorBox.textContent = messages;
    errorBox.classList.remove("hidden");
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (photos.length === 0) { showError({detail: "Add at least one photo."}); return; }
    const data = new FormData();
    for (const photo of photos) {
      data.append("images", photo.file);
      data.append("alt_text", photo.alt);
    }
    data.append("caption", form.elements.caption.value);
    const request = new XMLHttpRequest();
    request.open("POST", form.dataset.apiUrl);
    request.setRequestHeader("X-CSRFToken", document.querySelector('meta[name="csrf-token"]').content);
    request.setRequestHeader("Accept", "application/json");
    request.responseType = "json";
    const bar = progress.querySelector("progress");
    request.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    });
    request.addEventListener("load", () => {
      if (request.status === 201 && request.response) {
        window.location.assign(new URL(request.response.url).pathname);
      } else {
        progress.classList.add("hidden");
        showError(request.response);
      }
    });
    request.addEventListener("error", () => { progress.classList.add("hidden"); showError(null); });
    errorBox.classList.add("hidden");
    progress.classList.remove("hidden");
    bar.value = 0;
    request.send(data);
  });
})();
