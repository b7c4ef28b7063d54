<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR" sourcelanguage="en">
<context>
    <name>AreaOfInterest</name>
    <message>
        <location filename="../plugin/ui/aoi_tools.py" line="257"/>
        <source>The area is empty.</source>
        <translation>La zone est vide.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/aoi_tools.py" line="262"/>
        <source>The area cannot be converted to longitude/latitude (EPSG:4326) from {crs}.</source>
        <translation>La zone ne peut pas être convertie de {crs} en longitude/latitude (EPSG:4326).</translation>
    </message>
    <message>
        <location filename="../plugin/ui/aoi_tools.py" line="337"/>
        <source>The map shows nothing yet: there is no extent to use.</source>
        <translation>La carte n'affiche encore rien : il n'y a pas d'emprise à utiliser.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/aoi_tools.py" line="266"/>
        <source>The area lies beyond the poles (latitudes past ±90°): there is nothing there to search.</source>
        <translation>La zone est au-delà des pôles (latitudes au-delà de ±90°) : il n'y a rien à y chercher.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/aoi_tools.py" line="343"/>
        <source>The map shows only what lies beyond the poles: there is nothing there to search.</source>
        <translation>La carte n'affiche que ce qui est au-delà des pôles : il n'y a rien à y chercher.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/aoi_tools.py" line="367"/>
        <source>No feature with a geometry is selected: select one in any layer first.</source>
        <translation>Aucune entité avec une géométrie n'est sélectionnée : sélectionnez-en d'abord une dans une couche.</translation>
    </message>
</context>
<context>
    <name>AssetsDialog</name>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="594"/>
        <source>True colour</source>
        <translation>Couleurs naturelles</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="594"/>
        <source>Bands (10 m)</source>
        <translation>Bandes (10 m)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="594"/>
        <source>Scene classification</source>
        <translation>Classification de la scène</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="602"/>
        <source>Files to download</source>
        <translation>Fichiers à télécharger</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="605"/>
        <source>{n} product(s) have no single archive to download ({names}). Choose the files:</source>
        <translation>{n} produit(s) n'ont pas d'archive unique à télécharger ({names}). Choisissez les fichiers :</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="624"/>
        <source>Not offered by these products</source>
        <translation>Non proposé par ces produits</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="640"/>
        <source>Download</source>
        <translation>Télécharger</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="641"/>
        <source>Open in map without downloading</source>
        <translation>Ouvrir sur la carte sans télécharger</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="643"/>
        <source>Read the chosen GeoTIFF / COG files from the portal as layers</source>
        <translation>Lire les fichiers GeoTIFF / COG choisis directement sur le portail, comme couches</translation>
    </message>
</context>
<context>
    <name>ConnectionTestTask</name>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="143"/>
        <source>Connection test of {title} failed unexpectedly</source>
        <translation>Le test de connexion de {title} a échoué de façon inattendue</translation>
    </message>
</context>
<context>
    <name>Dependencies</name>
    <message>
        <location filename="../plugin/dependencies.py" line="37"/>
        <source>Install it with the OSGeo4W Setup (Advanced Install, package python3-shapely), or run “python -m pip install shapely” in the OSGeo4W Shell, then open the EO Portals panel again.</source>
        <translation>Installez-le avec l’installateur OSGeo4W (installation avancée, paquet python3-shapely), ou lancez « python -m pip install shapely » dans l’OSGeo4W Shell, puis rouvrez le panneau EO Portals.</translation>
    </message>
    <message>
        <location filename="../plugin/dependencies.py" line="41"/>
        <source>Install it into QGIS's Python: in a Terminal run “/Applications/QGIS.app/Contents/MacOS/bin/python3 -m pip install shapely”, then open the EO Portals panel again.</source>
        <translation>Installez-le dans le Python de QGIS : dans un Terminal, lancez « /Applications/QGIS.app/Contents/MacOS/bin/python3 -m pip install shapely », puis rouvrez le panneau EO Portals.</translation>
    </message>
    <message>
        <location filename="../plugin/dependencies.py" line="45"/>
        <source>Install your distribution's package (Debian, Ubuntu: “sudo apt install python3-shapely”; Fedora: “sudo dnf install python3-shapely”), then open the EO Portals panel again.</source>
        <translation>Installez le paquet de votre distribution (Debian, Ubuntu : « sudo apt install python3-shapely » ; Fedora : « sudo dnf install python3-shapely »), puis rouvrez le panneau EO Portals.</translation>
    </message>
    <message>
        <location filename="../plugin/dependencies.py" line="53"/>
        <source>EO Portals needs the Python package {names}, which this QGIS does not have: searching and downloading are unavailable until it is installed.</source>
        <translation>EO Portals a besoin du paquet Python {names}, absent de ce QGIS : la recherche et le téléchargement sont indisponibles tant qu’il n’est pas installé.</translation>
    </message>
</context>
<context>
    <name>DeviceLoginDialog</name>
    <message>
        <location filename="../plugin/ui/device_login.py" line="42"/>
        <source>Sign in to {backend}</source>
        <translation>Se connecter à {backend}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/device_login.py" line="44"/>
        <source>Asking {backend} how to sign in…</source>
        <translation>Demande à {backend} comment se connecter…</translation>
    </message>
    <message>
        <location filename="../plugin/ui/device_login.py" line="49"/>
        <source>Open the browser</source>
        <translation>Ouvrir le navigateur</translation>
    </message>
    <message>
        <location filename="../plugin/ui/device_login.py" line="74"/>
        <source>openEO: sign-in to {backend}</source>
        <translation>openEO : connexion à {backend}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/device_login.py" line="84"/>
        <source>Code: {code}</source>
        <translation>Code : {code}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/device_login.py" line="85"/>
        <source>Open the link, sign in with your account and confirm the code; this window closes by itself.</source>
        <translation>Ouvrez le lien, connectez-vous avec votre compte et confirmez le code ; cette fenêtre se ferme d'elle-même.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/device_login.py" line="95"/>
        <source>openEO: waiting for the sign-in to {backend}</source>
        <translation>openEO : attente de la connexion à {backend}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/device_login.py" line="108"/>
        <source>{backend} gave no refresh token: the sign-in cannot be kept.</source>
        <translation>{backend} n'a pas donné de jeton de renouvellement : la connexion ne peut pas être conservée.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/device_login.py" line="113"/>
        <source>{backend} (openEO sign-in)</source>
        <translation>{backend} (connexion openEO)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/device_login.py" line="118"/>
        <source>The sign-in could not be kept in QGIS&apos;s authentication database.</source>
        <translation>La connexion n'a pas pu être conservée dans la base d'authentification de QGIS.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/device_login.py" line="126"/>
        <source>The sign-in failed unexpectedly: {error}</source>
        <translation>La connexion a échoué de façon inattendue : {error}</translation>
    </message>
</context>
<context>
    <name>DownloadsPanel</name>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="68"/>
        <source>Queued</source>
        <translation>En attente</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="69"/>
        <source>Downloading</source>
        <translation>Téléchargement</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="70"/>
        <source>Verifying</source>
        <translation>Vérification</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="71"/>
        <source>Done</source>
        <translation>Terminé</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="72"/>
        <source>Failed</source>
        <translation>Échec</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="73"/>
        <source>Offline</source>
        <translation>Hors ligne</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="74"/>
        <source>Cancelled</source>
        <translation>Annulé</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="75"/>
        <source>Paused</source>
        <translation>En pause</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="141"/>
        <source>Add to the map</source>
        <translation>Ajouter à la carte</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="142"/>
        <source>Open the folder holding the files</source>
        <translation>Ouvrir le dossier des fichiers</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="473"/>
        <source>Retry</source>
        <translation>Réessayer</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="145"/>
        <source>Cancel this download (its partial file is deleted)</source>
        <translation>Annuler ce téléchargement (son fichier partiel est supprimé)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="147"/>
        <source>Remove from the list (files stay on disk)</source>
        <translation>Retirer de la liste (les fichiers restent sur le disque)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="231"/>
        <source>{speed}/s</source>
        <translation>{speed}/s</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="233"/>
        <source>{done} of {total}</source>
        <translation>{done} sur {total}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="239"/>
        <source>Verifying the checksum</source>
        <translation>Vérification de la somme de contrôle</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="248"/>
        <source>{n} file(s), {size}</source>
        <translation>{n} fichier(s), {size}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="256"/>
        <source>Queued (resumes from {done})</source>
        <translation>En attente (reprendra à {done})</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="258"/>
        <source>Paused at {done}</source>
        <translation>En pause à {done}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="292"/>
        <source>Folder</source>
        <translation>Dossier</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="297"/>
        <source>Where products are downloaded</source>
        <translation>Où les produits sont téléchargés</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="304"/>
        <source>Add to the map when done</source>
        <translation>Ajouter à la carte à la fin</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="307"/>
        <source>Extract archives</source>
        <translation>Extraire les archives</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="308"/>
        <source>Unzip downloaded products next to the zip (into &lt;name&gt;.SAFE for Sentinel products)</source>
        <translation>Décompresser les produits téléchargés à côté du zip (dans &lt;name&gt;.SAFE pour les produits Sentinel)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="356"/>
        <source>Pause all</source>
        <translation>Tout suspendre</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="358"/>
        <source>Pause every download; partial files are kept</source>
        <translation>Mettre en pause tous les téléchargements ; les fichiers partiels sont conservés</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="359"/>
        <source>Resume all</source>
        <translation>Tout reprendre</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="361"/>
        <source>Clear finished</source>
        <translation>Effacer les terminés</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="363"/>
        <source>Remove finished, failed and cancelled downloads from the list (files stay on disk)</source>
        <translation>Retirer de la liste les téléchargements terminés, en échec ou annulés (les fichiers restent sur le disque)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="386"/>
        <source>No downloads yet. Select products in the Search tab and click Download.</source>
        <translation>Aucun téléchargement pour l'instant. Sélectionnez des produits dans l'onglet Rechercher et cliquez sur Télécharger.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="563"/>
        <source>{n} downloading</source>
        <translation>{n} en cours</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="565"/>
        <source>{n} queued</source>
        <translation>{n} en attente</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="567"/>
        <source>{n} paused</source>
        <translation>{n} en pause</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="569"/>
        <source>{n} done</source>
        <translation>{n} terminé(s)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="571"/>
        <source>{n} failed</source>
        <translation>{n} en échec</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="573"/>
        <source>{n} offline</source>
        <translation>{n} hors ligne</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="473"/>
        <source>{name}: the partial download is kept in {old}. The download folder is now {new}.</source>
        <translation>{name} : le téléchargement partiel est conservé dans {old}. Le dossier de téléchargement est maintenant {new}.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="478"/>
        <source>Resume where it is</source>
        <translation>Reprendre sur place</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="479"/>
        <source>Move it and resume</source>
        <translation>Le déplacer et reprendre</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="480"/>
        <source>Restart in the new folder</source>
        <translation>Recommencer dans le nouveau dossier</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="318"/>
        <source>Area of interest only</source>
        <translation>Zone d'intérêt seulement</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="51"/>
        <source>Bands of NDVI</source>
        <translation>Bandes du NDVI</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="419"/>
        <source>Draw an area of interest first (Search tab).</source>
        <translation>Dessinez d'abord une zone d'intérêt (onglet Recherche).</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="51"/>
        <source>False colour (near infrared)</source>
        <translation>Fausses couleurs (proche infrarouge)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="320"/>
        <source>Only the chosen bands over the drawn area, read from the portal&apos;s cloud-optimised files (products without them are downloaded, then clipped)</source>
        <translation>Seulement les bandes choisies sur la zone dessinée, lues dans les fichiers optimisés pour le cloud du portail (les produits qui n'en ont pas sont téléchargés, puis découpés)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="51"/>
        <source>Scene classification</source>
        <translation>Classification de scène</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="51"/>
        <source>True colour</source>
        <translation>Couleurs naturelles</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="245"/>
        <source>{read} read instead of {full}</source>
        <translation>{read} lus au lieu de {full}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="343"/>
        <source>Resampling</source>
        <translation>Rééchantillonnage</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="338"/>
        <source>How bands of a coarser resolution are brought to the finest chosen one (class bands such as SCL: always nearest)</source>
        <translation>Comment les bandes de résolution plus grossière sont ramenées à la plus fine choisie (bandes de classes comme SCL : toujours au plus proche voisin)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="344"/>
        <source>Keep archives</source>
        <translation>Garder les archives</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="345"/>
        <source>Products without cloud-optimised files are downloaded, then clipped: keep the archive too</source>
        <translation>Les produits sans fichiers optimisés pour le cloud sont téléchargés, puis découpés : garder aussi l'archive</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="335"/>
        <source>Bands</source>
        <translation>Bandes</translation>
    </message>
</context>
<context>
    <name>EOPortals</name>
    <message>
        <location filename="../plugin/accounts.py" line="110"/>
        <source>{title}: the QGIS authentication system is not available, the account is not used.</source>
        <translation>{title} : le système d'authentification de QGIS n'est pas disponible, le compte n'est pas utilisé.</translation>
    </message>
    <message>
        <location filename="../plugin/accounts.py" line="115"/>
        <source>{title}: the authentication configuration {authcfg} could not be read (removed, or the master password was not given).</source>
        <translation>{title} : la configuration d'authentification {authcfg} n'a pas pu être lue (supprimée, ou mot de passe principal non saisi).</translation>
    </message>
    <message>
        <location filename="../plugin/accounts.py" line="122"/>
        <source>{title}: the authentication configuration &apos;{name}&apos; uses the method {method}, which EO Portals cannot use; choose a Basic configuration.</source>
        <translation>{title} : la configuration d'authentification « {name} » utilise la méthode {method}, qu'EO Portals ne sait pas utiliser ; choisissez une configuration Basic.</translation>
    </message>
    <message>
        <location filename="../plugin/log.py" line="137"/>
        <source>Request: {method} {url}</source>
        <translation>Requête : {method} {url}</translation>
    </message>
    <message>
        <location filename="../plugin/log.py" line="141"/>
        <source>HTTP status: {status}</source>
        <translation>Statut HTTP : {status}</translation>
    </message>
    <message>
        <location filename="../plugin/log.py" line="144"/>
        <source>The portal said: {detail}</source>
        <translation>Réponse du portail : {detail}</translation>
    </message>
    <message>
        <location filename="../plugin/log.py" line="146"/>
        <source>Copy as curl: {command}</source>
        <translation>Commande curl : {command}</translation>
    </message>
    <message>
        <location filename="../plugin/log.py" line="153"/>
        <source>The request failed</source>
        <translation>La requête a échoué</translation>
    </message>
    <message>
        <location filename="../plugin/log.py" line="238"/>
        <source>Details</source>
        <translation>Détails</translation>
    </message>
    <message>
        <location filename="../plugin/log.py" line="240"/>
        <source>Open the EO Portals log tab</source>
        <translation>Ouvrir l'onglet EO Portals du journal</translation>
    </message>
    <message>
        <location filename="../plugin/log.py" line="245"/>
        <source>Copy as curl</source>
        <translation>Copier en curl</translation>
    </message>
    <message>
        <location filename="../plugin/log.py" line="247"/>
        <source>Copy a curl command that repeats the failed request (secrets masked)</source>
        <translation>Copier une commande curl qui rejoue la requête en échec (secrets masqués)</translation>
    </message>
    <message>
        <location filename="../plugin/log.py" line="271"/>
        <source>Unexpected error in {title}</source>
        <translation>Erreur inattendue dans {title}</translation>
    </message>
    <message>
        <location filename="../plugin/log.py" line="272"/>
        <source>An unexpected error happened ({name}); details are in the EO Portals log.</source>
        <translation>Une erreur inattendue s'est produite ({name}) ; les détails sont dans le journal EO Portals.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/provider.py" line="34"/>
        <source>EO Portals</source>
        <translation>EO Portals</translation>
    </message>
    <message>
        <location filename="../plugin/main.py" line="75"/>
        <source>Search and download Earth-observation products from many portals</source>
        <translation>Rechercher et télécharger des produits d'observation de la Terre sur de nombreux portails</translation>
    </message>
    <message>
        <location filename="../plugin/main.py" line="203"/>
        <source>The panel could not be opened; details are in the log.</source>
        <translation>Le panneau n'a pas pu être ouvert ; les détails sont dans le journal.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/provider.py" line="38"/>
        <source>EO Portals (search and download Earth-observation products)</source>
        <translation>EO Portals (recherche et téléchargement de produits d'observation de la Terre)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="97"/>
        <source>Search EO portals</source>
        <translation>Rechercher dans les portails EO</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="101"/>
        <source>Search several Earth-observation portals at once and write the footprints of what they hold.</source>
        <translation>Interroger plusieurs portails d'observation de la Terre à la fois et écrire les emprises des produits qu'ils détiennent.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="106"/>
        <source>sentinel,landsat,copernicus,stac,footprints,catalogue,search,download</source>
        <translation>sentinel,landsat,copernicus,stac,emprises,catalogue,recherche,téléchargement,satellite,imagerie</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="111"/>
        <source>Searches the chosen portals (by default every enabled portal offering the collection) over the area of interest and the period, and writes one polygon per product in EPSG:4326. A product held by several portals appears once; its &apos;portals&apos; field lists them and its &apos;sources&apos; field holds, per portal, the product id, the download link and the checksum (JSON).

A portal that fails or does not answer within the time limit is reported in the log; the products of the other portals are still written. Products without a footprint are kept with an empty geometry.

Dates are YYYY-MM-DD (the end date is included) or ISO 8601 date and time, in UTC. Portals are given as a comma-separated list of portal ids, e.g. earth_search,cdse. The portal list comes from the built-in catalog, extended by the file named in the EO_PORTALS_CATALOG environment variable or in the plugin settings.</source>
        <translation>Interroge les portails choisis (par défaut, tous les portails activés qui proposent la collection) sur la zone d'intérêt et la période, et écrit un polygone par produit en EPSG:4326. Un produit détenu par plusieurs portails n'apparaît qu'une fois ; son champ « portals » les énumère et son champ « sources » contient, pour chaque portail, l'identifiant du produit, le lien de téléchargement et la somme de contrôle (JSON).

Un portail qui échoue ou ne répond pas dans le délai imparti est signalé dans le journal ; les produits des autres portails sont tout de même écrits. Les produits sans emprise sont conservés avec une géométrie vide.

Les dates s'écrivent AAAA-MM-JJ (la date de fin est incluse) ou en date et heure ISO 8601, en UTC. Les portails se donnent sous la forme d'une liste d'identifiants séparés par des virgules, p. ex. earth_search,cdse. La liste des portails vient du catalogue intégré, complété par le fichier indiqué dans la variable d'environnement EO_PORTALS_CATALOG ou dans les paramètres de l'extension.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="136"/>
        <source>Area of interest (WKT in EPSG:4326 unless a CRS is given)</source>
        <translation>Zone d'intérêt (WKT en EPSG:4326 sauf si un SCR est indiqué)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="138"/>
        <source>Start date (YYYY-MM-DD or ISO 8601, UTC)</source>
        <translation>Date de début (AAAA-MM-JJ ou ISO 8601, UTC)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="140"/>
        <source>End date, included (YYYY-MM-DD or ISO 8601, UTC)</source>
        <translation>Date de fin, incluse (AAAA-MM-JJ ou ISO 8601, UTC)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="142"/>
        <source>Collection</source>
        <translation>Collection</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="148"/>
        <source>Portals (comma-separated ids; empty: every enabled portal offering the collection)</source>
        <translation>Portails (identifiants séparés par des virgules ; vide : tous les portails activés qui proposent la collection)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="153"/>
        <source>Known portals: {}</source>
        <translation>Portails connus : {}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="155"/>
        <source>Maximum cloud cover (%)</source>
        <translation>Couverture nuageuse maximale (%)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="158"/>
        <source>Orbit direction</source>
        <translation>Sens de l'orbite</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="163"/>
        <source>Relative orbit</source>
        <translation>Orbite relative</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="166"/>
        <source>MGRS tile (e.g. 31TEJ)</source>
        <translation>Tuile MGRS (p. ex. 31TEJ)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="168"/>
        <source>Platform (e.g. S2A, S1A, Landsat-8)</source>
        <translation>Plateforme (p. ex. S2A, S1A, Landsat-8)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="170"/>
        <source>Most products from each portal</source>
        <translation>Nombre maximal de produits par portail</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="175"/>
        <source>Time limit per portal (seconds)</source>
        <translation>Délai maximal par portail (secondes)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="180"/>
        <source>Footprints</source>
        <translation>Emprises</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="182"/>
        <source>Number of products</source>
        <translation>Nombre de produits</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="183"/>
        <source>Number of portals that failed</source>
        <translation>Nombre de portails en échec</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="80"/>
        <source>Portal catalog: {}</source>
        <translation>Catalogue des portails : {}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="206"/>
        <source>Searching {collection} on {portals} (at most {limit} products each, {budget:g} s per portal)</source>
        <translation>Recherche de {collection} sur {portals} (au plus {limit} produits chacun, {budget:g} s par portail)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="224"/>
        <source>{n} product(s) have no footprint; they are kept with an empty geometry.</source>
        <translation>{n} produit(s) sans emprise ; ils sont conservés avec une géométrie vide.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="227"/>
        <source>{n} product(s) written from {ok} of {total} portal(s).</source>
        <translation>{n} produit(s) écrit(s), venant de {ok} portail(s) sur {total}.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="231"/>
        <source>Every portal failed: {}</source>
        <translation>Tous les portails ont échoué : {}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="239"/>
        <source>An area of interest is needed (a WKT polygon, in EPSG:4326 unless written as CRS=...;WKT).</source>
        <translation>Une zone d'intérêt est nécessaire (un polygone WKT, en EPSG:4326 sauf s'il est écrit CRS=...;WKT).</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="248"/>
        <source>The area of interest cannot be converted from {crs} to EPSG:4326: {error}</source>
        <translation>La zone d'intérêt ne peut pas être convertie de {crs} en EPSG:4326 : {error}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="269"/>
        <source>The search cannot be made: {}</source>
        <translation>La recherche ne peut pas être lancée : {}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="285"/>
        <source>No enabled portal offers the collection {}.</source>
        <translation>Aucun portail activé ne propose la collection {}.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="332"/>
        <source>The search failed: {}</source>
        <translation>La recherche a échoué : {}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="334"/>
        <source>Search cancelled; the products found so far are kept.</source>
        <translation>Recherche annulée ; les produits déjà trouvés sont conservés.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="353"/>
        <source>{portal}: {count} product(s) in {seconds:.1f} s</source>
        <translation>{portal} : {count} produit(s) en {seconds:.1f} s</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="361"/>
        <source> (the portal reports {total} in all)</source>
        <translation type="obsolete"> (le portail en annonce {total} au total)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="367"/>
        <source>{portal}: cancelled</source>
        <translation>{portal} : annulé</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="369"/>
        <source>{portal} ({id}) failed: {message}</source>
        <translation>{portal} ({id}) a échoué : {message}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="374"/>
        <source>{portal}: the {count} product(s) read before the failure are kept.</source>
        <translation>{portal} : les {count} produit(s) lus avant l'échec sont conservés.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="183"/>
        <source>Download EO products</source>
        <translation>Télécharger des produits EO</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="187"/>
        <source>Download the products of a footprints layer made by &apos;Search EO portals&apos;.</source>
        <translation>Télécharger les produits d'une couche d'emprises produite par « Rechercher dans les portails EO ».</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="191"/>
        <source>sentinel,landsat,copernicus,stac,download,products,footprints</source>
        <translation>sentinel,landsat,copernicus,stac,téléchargement,produits,emprises,satellite,imagerie</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="196"/>
        <source>Downloads the products of a footprints layer written by &apos;Search EO portals&apos; (all features, or the selected ones) into a folder. Each product comes from the first portal in its &apos;portals&apos; field that can deliver it; when a portal fails the next one is tried. Downloads resume where an earlier run stopped when the portal allows it, and are verified against the checksum the portal gives.

Without assets, the whole product archive is downloaded (a zip for Copernicus Data Space, GEODES, DHuS mirrors). Portals without a product archive (Earth Search, Planetary Computer) need asset keys, comma-separated, e.g. visual,scl or B04,B03,B02; their files go into a folder named after the product.

Accounts are those chosen in the EO Portals settings (QGIS authentication database).

OUTPUT lists the downloaded files separated by &apos;;&apos;. FILES is a table with one row per file and one per product that could not be downloaded, with the reason.</source>
        <translation>Télécharge dans un dossier les produits d'une couche d'emprises écrite par « Rechercher dans les portails EO » (toutes les entités, ou celles sélectionnées). Chaque produit vient du premier portail de son champ « portals » capable de le fournir ; quand un portail échoue, le suivant est essayé. Les téléchargements reprennent là où une exécution précédente s'est arrêtée quand le portail le permet, et sont vérifiés avec la somme de contrôle fournie par le portail.

Sans assets, l'archive complète du produit est téléchargée (un zip pour Copernicus Data Space, GEODES, les miroirs DHuS). Les portails sans archive de produit (Earth Search, Planetary Computer) demandent des clés d'assets, séparées par des virgules, p. ex. visual,scl ou B04,B03,B02 ; leurs fichiers vont dans un dossier nommé d'après le produit.

Les comptes sont ceux choisis dans les paramètres d'EO Portals (base d'authentification de QGIS).

OUTPUT liste les fichiers téléchargés séparés par ';'. FILES est une table avec une ligne par fichier et une par produit qui n'a pas pu être téléchargé, avec la raison.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="388"/>
        <source>Footprints (from &apos;Search EO portals&apos;)</source>
        <translation>Emprises (de « Rechercher dans les portails EO »)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="219"/>
        <source>Download folder</source>
        <translation>Dossier de téléchargement</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="221"/>
        <source>Assets to download (comma-separated keys; empty: the whole product)</source>
        <translation>Assets à télécharger (clés séparées par des virgules ; vide : le produit entier)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="227"/>
        <source>Extract zip archives</source>
        <translation>Extraire les archives zip</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="229"/>
        <source>Downloaded files</source>
        <translation>Fichiers téléchargés</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="227"/>
        <source>Files (separated by &apos;;&apos;)</source>
        <translation>Fichiers (séparés par ';')</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="233"/>
        <source>Products downloaded</source>
        <translation>Produits téléchargés</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="234"/>
        <source>Products not downloaded</source>
        <translation>Produits non téléchargés</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="258"/>
        <source>A download folder is needed.</source>
        <translation>Un dossier de téléchargement est nécessaire.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="122"/>
        <source>{n} feature(s) have no readable &apos;sources&apos; field and are skipped; is this a layer from &apos;Search EO portals&apos;?</source>
        <translation>{n} entité(s) sans champ « sources » lisible sont ignorées ; cette couche vient-elle de « Rechercher dans les portails EO » ?</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="283"/>
        <source>The layer holds no product to download.</source>
        <translation>La couche ne contient aucun produit à télécharger.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="291"/>
        <source>Downloading {n} product(s) into {folder}{assets}</source>
        <translation>Téléchargement de {n} produit(s) dans {folder}{assets}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="291"/>
        <source> (assets: {})</source>
        <translation> (assets : {})</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="314"/>
        <source>{done} of {total} product(s) downloaded, {files} file(s).</source>
        <translation>{done} produit(s) téléchargé(s) sur {total}, {files} fichier(s).</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="318"/>
        <source>No product could be downloaded: {}</source>
        <translation>Aucun produit n'a pu être téléchargé : {}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="356"/>
        <source>Cancelling the downloads (partial files are deleted).</source>
        <translation>Annulation des téléchargements (les fichiers partiels sont supprimés).</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="380"/>
        <source>{title}: done from {portal} ({notes})</source>
        <translation>{title} : terminé depuis {portal} ({notes})</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="384"/>
        <source>{title}: {state}: {error}</source>
        <translation>{title} : {state} : {error}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="388"/>
        <source>{title}: cancelled</source>
        <translation>{title} : annulé</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="391"/>
        <source>{title}: downloading from {portal}</source>
        <translation>{title} : téléchargement depuis {portal}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="94"/>
        <source>Run an openEO job</source>
        <translation>Lancer un traitement openEO</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="97"/>
        <source>Composite, index time series or band stack computed by an openEO back-end</source>
        <translation>Composite, série temporelle d'indice ou pile de bandes calculés par un serveur openEO</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="128"/>
        <source>openEO back-end (portal id)</source>
        <translation>Serveur openEO (identifiant du portail)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="130"/>
        <source>Footprints of a search (instead of area, dates and collection)</source>
        <translation>Emprises d'une recherche (au lieu de la zone, des dates et de la collection)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="133"/>
        <source>Area of interest</source>
        <translation>Zone d'intérêt</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="135"/>
        <source>Start date (YYYY-MM-DD)</source>
        <translation>Date de début (AAAA-MM-JJ)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="137"/>
        <source>End date (YYYY-MM-DD)</source>
        <translation>Date de fin (AAAA-MM-JJ)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="144"/>
        <source>Kind of job</source>
        <translation>Type de traitement</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="146"/>
        <source>Bands (comma-separated, composite and stack)</source>
        <translation>Bandes (séparées par des virgules, composite et pile)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="149"/>
        <source>Index (time series)</source>
        <translation>Indice (série temporelle)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="151"/>
        <source>Composite period</source>
        <translation>Période du composite</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="153"/>
        <source>Parcels (time series)</source>
        <translation>Parcelles (série temporelle)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="155"/>
        <source>Result format</source>
        <translation>Format du résultat</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="159"/>
        <source>Process graph (JSON)</source>
        <translation>Graphe de processus (JSON)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="162"/>
        <source>Only build and check the graph (do not run it)</source>
        <translation>Seulement construire et vérifier le graphe (sans le lancer)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="164"/>
        <source>Run synchronously (small requests)</source>
        <translation>Lancer en synchrone (petites demandes)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="166"/>
        <source>Seconds between status checks</source>
        <translation>Secondes entre deux consultations de l'état</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="170"/>
        <source>Result folder</source>
        <translation>Dossier des résultats</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="172"/>
        <source>Result files</source>
        <translation>Fichiers de résultat</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="173"/>
        <source>openEO job id</source>
        <translation>Identifiant du traitement openEO</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="200"/>
        <source>{portal} is not an openEO back-end (openEO back-ends: {backends}).</source>
        <translation>{portal} n'est pas un serveur openEO (serveurs openEO : {backends}).</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="218"/>
        <source>Process graph written to {path}</source>
        <translation>Graphe de processus écrit dans {path}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="222"/>
        <source>Checking the graph on {backend}</source>
        <translation>Vérification du graphe sur {backend}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="228"/>
        <source>{backend} has every process, band and format the job needs.</source>
        <translation>{backend} a tous les processus, bandes et formats dont le traitement a besoin.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="243"/>
        <source>Result: {path}</source>
        <translation>Résultat : {path}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="257"/>
        <source>Give an area of interest, or the footprints of a search as input.</source>
        <translation>Donnez une zone d'intérêt, ou les emprises d'une recherche en entrée.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="269"/>
        <source>{backend} has no collection for {collection}.</source>
        <translation>{backend} n'a pas de collection pour {collection}.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="306"/>
        <source>The input layer has no footprints with dates: use the output of &apos;Search EO portals&apos;.</source>
        <translation>La couche en entrée n'a pas d'emprises datées : utilisez la sortie de « Rechercher dans les portails EO ».</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="332"/>
        <source>Running the graph synchronously on {backend}</source>
        <translation>Exécution synchrone du graphe sur {backend}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="348"/>
        <source>Job {job} created on {backend}</source>
        <translation>Traitement {job} créé sur {backend}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="357"/>
        <source>Job {job}: {state}</source>
        <translation>Traitement {job} : {state}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="245"/>
        <source>An area is needed: a WKT polygon or a polygon layer.</source>
        <translation>Une zone est nécessaire : un polygone WKT ou une couche de polygones.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="256"/>
        <source>An output folder is needed.</source>
        <translation>Un dossier de sortie est nécessaire.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="211"/>
        <source>Area (WKT in EPSG:4326 unless a CRS is given)</source>
        <translation>Zone (WKT en EPSG:4326 sauf si un SCR est donné)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="213"/>
        <source>Area from a polygon layer (all its features)</source>
        <translation>Zone d'une couche de polygones (toutes ses entités)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="208"/>
        <source>Bands (a preset or names separated by commas)</source>
        <translation>Bandes (un préréglage ou des noms séparés par des virgules)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="374"/>
        <source>For each parcel and each product of a footprints layer written by &apos;Search EO portals&apos;, reads the parcel&apos;s window of the bands the index needs (and of the mask band) from the cloud-optimised GeoTIFFs, without downloading the products, and writes mean, median, standard deviation, the count of valid pixels and the valid fraction. Several products are read at once.

Index: NDVI, NDWI, NDMI, EVI, or a band name (B04, SR_B5...).

Mask: the classes to leave out, separated by commas; empty for the usual ones (Sentinel-2 scene classification: no_data, saturated, cloud_shadow, cloud_medium, cloud_high, cirrus, snow; Landsat QA_PIXEL: fill, dilated_cloud, cirrus, cloud, cloud_shadow, snow), &apos;none&apos; for no mask.

A date where every pixel is masked is kept, with 0 valid pixels.</source>
        <translation>Pour chaque parcelle et chaque produit d'une couche d'emprises écrite par « Rechercher dans les portails EO », lit la fenêtre de la parcelle dans les bandes dont l'indice a besoin (et dans la bande de masque), depuis les GeoTIFF optimisés pour le cloud, sans télécharger les produits, et écrit la moyenne, la médiane, l'écart type, le nombre de pixels valides et la fraction valide. Plusieurs produits sont lus à la fois.

Indice : NDVI, NDWI, NDMI, EVI, ou un nom de bande (B04, SR_B5...).

Masque : les classes à écarter, séparées par des virgules ; vide pour les classes habituelles (classification de scène Sentinel-2 : no_data, saturated, cloud_shadow, cloud_medium, cloud_high, cirrus, snow ; QA_PIXEL Landsat : fill, dilated_cloud, cirrus, cloud, cloud_shadow, snow), « none » pour aucun masque.

Une date dont tous les pixels sont masqués est gardée, avec 0 pixel valide.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="190"/>
        <source>For each product of a footprints layer written by &apos;Search EO portals&apos;, reads only the chosen bands over the area from the portal&apos;s cloud-optimised GeoTIFFs (Earth Search, Planetary Computer) and writes one cloud-optimised GeoTIFF per product, in the bands&apos; own grid and projection. Bands of a coarser resolution are resampled to the finest one (method below; class bands such as SCL always nearest).

Bands: a preset (true_colour, false_colour, ndvi, scene_classification, pixel_quality) or band names separated by commas (B04,B08,SCL; red,nir; SR_B4,SR_B5,QA_PIXEL).

Portals without cloud-optimised files (Copernicus Data Space, GEODES, DHuS mirrors): the product is downloaded, then clipped; the archive is kept unless unticked.

TABLE has one row per product: the file written, the bytes read against the size of the whole files, or why it failed.</source>
        <translation>Pour chaque produit d'une couche d'emprises écrite par « Rechercher dans les portails EO », lit seulement les bandes choisies sur la zone dans les GeoTIFF optimisés pour le cloud du portail (Earth Search, Planetary Computer) et écrit un GeoTIFF optimisé pour le cloud par produit, dans la grille et la projection propres des bandes. Les bandes de résolution plus grossière sont rééchantillonnées à la plus fine (méthode ci-dessous ; les bandes de classes comme SCL toujours au plus proche voisin).

Bandes : un préréglage (true_colour, false_colour, ndvi, scene_classification, pixel_quality) ou des noms de bandes séparés par des virgules (B04,B08,SCL ; red,nir ; SR_B4,SR_B5,QA_PIXEL).

Portails sans fichiers optimisés pour le cloud (Copernicus Data Space, GEODES, miroirs DHuS) : le produit est téléchargé, puis découpé ; l'archive est gardée sauf si la case est décochée.

TABLE a une ligne par produit : le fichier écrit, les octets lus face à la taille des fichiers entiers, ou la raison de l'échec.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="395"/>
        <source>Index (NDVI, NDWI, NDMI, EVI or a band name)</source>
        <translation>Indice (NDVI, NDWI, NDMI, EVI ou un nom de bande)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="221"/>
        <source>Keep downloaded archives (products without COGs)</source>
        <translation>Garder les archives téléchargées (produits sans COG)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="397"/>
        <source>Mask classes (comma-separated; empty: the usual ones; none)</source>
        <translation>Classes masquées (séparées par des virgules ; vide : les habituelles ; none)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="364"/>
        <source>Mean, median and spread of NDVI (or another index) per parcel and date, without downloading.</source>
        <translation>Moyenne, médiane et dispersion du NDVI (ou d'un autre indice) par parcelle et par date, sans téléchargement.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="319"/>
        <source>No product could be subset; see the log.</source>
        <translation>Aucun produit n'a pu être découpé ; voir le journal.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="181"/>
        <source>Only the pixels you need: chosen bands over an area, one GeoTIFF per product.</source>
        <translation>Seulement les pixels utiles : les bandes choisies sur une zone, un GeoTIFF par produit.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="216"/>
        <source>Output folder</source>
        <translation>Dossier de sortie</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="392"/>
        <source>Parcel id field (empty: the feature id)</source>
        <translation>Champ identifiant des parcelles (vide : l'identifiant de l'entité)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="360"/>
        <source>Parcel time series (index statistics)</source>
        <translation>Série temporelle de parcelles (statistiques d'indice)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="390"/>
        <source>Parcels</source>
        <translation>Parcelles</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="229"/>
        <source>Products not written</source>
        <translation>Produits non écrits</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="228"/>
        <source>Products written</source>
        <translation>Produits écrits</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="218"/>
        <source>Resampling of coarser bands</source>
        <translation>Rééchantillonnage des bandes plus grossières</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="402"/>
        <source>Rows written</source>
        <translation>Lignes écrites</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="177"/>
        <source>Subset EO products (area and bands)</source>
        <translation>Découper des produits EO (zone et bandes)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="126"/>
        <source>The layer holds no product.</source>
        <translation>La couche ne contient aucun produit.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="418"/>
        <source>The parcels layer holds no polygon.</source>
        <translation>La couche de parcelles ne contient aucun polygone.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="400"/>
        <source>Time series</source>
        <translation>Série temporelle</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="224"/>
        <source>What was read</source>
        <translation>Ce qui a été lu</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="334"/>
        <source>download failed</source>
        <translation>échec du téléchargement</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="185"/>
        <source>sentinel,landsat,cog,subset,clip,bands,area,download</source>
        <translation>sentinel,landsat,cog,sous-ensemble,découpe,bandes,zone,téléchargement</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="369"/>
        <source>sentinel,landsat,ndvi,ndwi,evi,time series,parcels,statistics,cog</source>
        <translation>sentinel,landsat,ndvi,ndwi,evi,série temporelle,parcelles,statistiques,cog</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="438"/>
        <source>{index} over {parcels} parcel(s) in {products} product(s)</source>
        <translation>{index} sur {parcels} parcelle(s) dans {products} produit(s)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="458"/>
        <source>{rows} row(s); {size} read in {requests} request(s)</source>
        <translation>{rows} ligne(s) ; {size} lus en {requests} requête(s)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="329"/>
        <source>{title}: no cloud-optimised files, downloading the product to clip it</source>
        <translation>{title} : pas de fichiers optimisés pour le cloud, téléchargement du produit pour le découper</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="302"/>
        <source>{title}: {file} ({message})</source>
        <translation>{title} : {file} ({message})</translation>
    </message>
    <message>
        <location filename="../plugin/processing/subset_algorithms.py" line="456"/>
        <source>{title}: {message}</source>
        <translation>{title} : {message}</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="356"/>
        <source>, from {records} records</source>
        <translation>, issus de {records} enregistrements</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="358"/>
        <source>, more pages available (the portal reports {total} in all)</source>
        <translation>, d’autres pages disponibles (le portail en annonce {total} au total)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="361"/>
        <source>, more pages available</source>
        <translation>, d’autres pages disponibles</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="363"/>
        <source>; {n} product(s) of other collections left out</source>
        <translation>, {n} produit(s) d’autres collections écarté(s)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="224"/>
        <source>Versions to download (comma-separated product names; empty: each product&apos;s preferred version)</source>
        <translation>Versions à télécharger (noms de produits séparés par des virgules ; vide : la version préférée de chaque produit)</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="287"/>
        <source>No product of the layer has a version named {name}.</source>
        <translation>Aucun produit de la couche n’a de version nommée {name}.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/download_algorithm.py" line="208"/>
        <source>When portals hold several versions of an acquisition (another processing baseline, or a product generated again), its feature lists them all and the version it shows is downloaded (the newest one, unless another was chosen); &apos;Versions to download&apos; names others. A version is fetched only from the portals holding that version, and saved under its own name.</source>
        <translation>Quand des portails détiennent plusieurs versions d’une acquisition (une autre version de traitement, ou un produit généré à nouveau), son entité les liste toutes et la version qu’elle affiche est téléchargée (la plus récente, sauf si une autre a été choisie) ; « Versions à télécharger » en désigne d’autres. Une version n’est téléchargée que depuis les portails qui détiennent cette version, et enregistrée sous son propre nom.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/search_algorithm.py" line="123"/>
        <source>When portals hold several versions of an acquisition (another processing baseline, or a product generated again), it is still one polygon: its fields are those of the newest version, and its &apos;versions&apos; field lists every version with, per portal, its id, links and checksums (JSON). Products of another collection than the one asked for (a portal that ignored the filter) are left out and counted in the log.</source>
        <translation>Quand des portails détiennent plusieurs versions d’une acquisition (une autre version de traitement, ou un produit généré à nouveau), elle reste un seul polygone : ses champs sont ceux de la version la plus récente, et son champ « versions » liste chaque version avec, par portail, son identifiant, ses liens et ses sommes de contrôle (JSON). Les produits d’une autre collection que celle demandée (un portail qui a ignoré le filtre) sont écartés et comptés dans le journal.</translation>
    </message>
    <message>
        <location filename="../plugin/main.py" line="279"/>
        <source>openEO</source>
        <translation>openEO</translation>
    </message>
    <message>
        <location filename="../plugin/log.py" line="202"/>
        <source>Show more</source>
        <translation>Afficher plus</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="101"/>
        <source>openeo,composite,ndvi,time series,sentinel,copernicus,cdse</source>
        <translation>openeo,composite,ndvi,série temporelle,sentinel,copernicus,cdse</translation>
    </message>
    <message>
        <location filename="../plugin/openeo_accounts.py" line="61"/>
        <source>{title}: the renewed sign-in could not be kept (the authentication configuration {authcfg} could not be read); sign in again next time.</source>
        <translation>{title} : la connexion renouvelée n&apos;a pas pu être conservée (la configuration d&apos;authentification {authcfg} n&apos;a pas pu être lue) ; reconnectez-vous la prochaine fois.</translation>
    </message>
    <message>
        <location filename="../plugin/openeo_accounts.py" line="67"/>
        <source>{title}: the renewed sign-in could not be written to QGIS&apos;s authentication database; sign in again next time.</source>
        <translation>{title} : la connexion renouvelée n&apos;a pas pu être écrite dans la base d&apos;authentification de QGIS ; reconnectez-vous la prochaine fois.</translation>
    </message>
    <message>
        <location filename="../plugin/processing/openeo_algorithm.py" line="107"/>
        <source>Builds an openEO process graph from a search (area, dates, collection, cloud limit, or the footprints of &apos;Search EO portals&apos; as INPUT): a cloud-free composite (median of the cloud-masked observations per month, season, year or the whole period) of chosen bands, an index time series averaged over parcels, or a stack of chosen bands for every date. The graph is written to the process graph file and checked against the back-end&apos;s processes and collection; with &apos;Only build and check&apos; nothing runs. Otherwise the job runs on the back-end (synchronously if asked, else as a batch job followed until it ends; Cancel cancels it there) and its result files are downloaded into the output folder. The result format (advanced) must be one the back-end writes (its file formats): GTiff or netCDF for a composite or a stack, CSV or JSON for a time series (netCDF too, which EO Portals does not chart); left empty, a composite is GTiff, a stack netCDF and a time series CSV.</source>
        <translation>Construit un graphe de processus openEO à partir d&apos;une recherche (zone, dates, collection, limite de nuages, ou les emprises de « Rechercher dans les portails EO » en entrée) : un composite sans nuages (médiane des observations masquées des nuages par mois, saison, année ou sur toute la période) des bandes choisies, une série temporelle d&apos;indice moyennée sur des parcelles, ou une pile des bandes choisies pour chaque date. Le graphe est écrit dans le fichier de graphe et vérifié avec les processus et la collection du serveur ; avec « Seulement construire et vérifier », rien n&apos;est lancé. Sinon le traitement tourne sur le serveur (en synchrone si demandé, sinon comme traitement par lots suivi jusqu&apos;à sa fin ; Annuler l&apos;y annule) et ses fichiers de résultat sont téléchargés dans le dossier de sortie. Le format du résultat (avancé) doit être l&apos;un de ceux qu&apos;écrit le serveur (ses formats de fichier) : GTiff ou netCDF pour un composite ou une pile, CSV ou JSON pour une série temporelle (netCDF aussi, qu&apos;EO Portals ne trace pas) ; laissé vide, un composite est en GTiff, une pile en netCDF et une série temporelle en CSV.</translation>
    </message>
</context>
<context>
    <name>EOPortalsChart</name>
    <message>
        <location filename="../plugin/ui/chart.py" line="178"/>
        <source>No statistics yet</source>
        <translation>Pas encore de statistiques</translation>
    </message>
</context>
<context>
    <name>EOPortalsDock</name>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>Sentinel-2 L1C (top-of-atmosphere reflectance)</source>
        <translation>Sentinel-2 L1C (réflectance au sommet de l'atmosphère)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>Sentinel-2 L2A (surface reflectance)</source>
        <translation>Sentinel-2 L2A (réflectance de surface)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>Sentinel-1 GRD (ground range detected)</source>
        <translation>Sentinel-1 GRD (détecté, géométrie sol)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>Sentinel-1 SLC (single look complex)</source>
        <translation>Sentinel-1 SLC (complexe, une vue)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>Landsat 8-9 Collection 2 Level-2 (surface reflectance)</source>
        <translation>Landsat 8-9 Collection 2 niveau 2 (réflectance de surface)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>The area of interest was self-intersecting and has been repaired.</source>
        <translation>La zone d'intérêt se recoupait elle-même ; elle a été réparée.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>The area of interest crosses the antimeridian and has been split in two.</source>
        <translation>La zone d'intérêt traverse l'antiméridien ; elle a été coupée en deux.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>The area of interest is not valid WKT.</source>
        <translation>La zone d'intérêt n'est pas un WKT valide.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>An area of interest is needed: draw one, or give a WKT or GeoJSON geometry.</source>
        <translation>Une zone d'intérêt est nécessaire : dessinez-en une, ou donnez une géométrie WKT ou GeoJSON.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>The area of interest is wider than the whole globe.</source>
        <translation>La zone d'intérêt est plus large que le globe entier.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>The area of interest lies outside longitudes -180..180 and latitudes -90..90.</source>
        <translation>La zone d'intérêt est hors des longitudes -180..180 et des latitudes -90..90.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>Both a start and an end date are needed.</source>
        <translation>Une date de début et une date de fin sont nécessaires.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>The area of interest is empty.</source>
        <translation>La zone d'intérêt est vide.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>The area of interest is an invalid polygon that could not be repaired.</source>
        <translation>La zone d'intérêt est un polygone invalide qui n'a pas pu être réparé.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>The area of interest has no area.</source>
        <translation>La zone d'intérêt n'a pas de superficie.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>The area of interest is not in longitude/latitude (EPSG:4326): latitudes exceed ±90°.</source>
        <translation>La zone d'intérêt n'est pas en longitude/latitude (EPSG:4326) : des latitudes dépassent ±90°.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>The area of interest is not in longitude/latitude (EPSG:4326): longitudes exceed ±180°.</source>
        <translation>La zone d'intérêt n'est pas en longitude/latitude (EPSG:4326) : des longitudes dépassent ±180°.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>This file is not an EO Portals saved search.</source>
        <translation>Ce fichier n'est pas une recherche enregistrée d'EO Portals.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>This saved search was written by a newer version of EO Portals.</source>
        <translation>Cette recherche enregistrée a été écrite par une version plus récente d'EO Portals.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>The saved search has no area of interest or no collection.</source>
        <translation>La recherche enregistrée n'a pas de zone d'intérêt ou pas de collection.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/common.py" line="18"/>
        <source>The saved search&apos;s portals must be a list.</source>
        <translation>Les portails de la recherche enregistrée doivent être une liste.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/dock.py" line="428"/>
        <source>EO Portals</source>
        <translation>EO Portals</translation>
    </message>
    <message>
        <location filename="../plugin/ui/dock.py" line="129"/>
        <source>Search</source>
        <translation>Rechercher</translation>
    </message>
    <message>
        <location filename="../plugin/ui/dock.py" line="142"/>
        <source>Save this search, or open a saved one</source>
        <translation>Enregistrer cette recherche, ou en ouvrir une enregistrée</translation>
    </message>
    <message>
        <location filename="../plugin/ui/dock.py" line="144"/>
        <source>Save search…</source>
        <translation>Enregistrer la recherche…</translation>
    </message>
    <message>
        <location filename="../plugin/ui/dock.py" line="145"/>
        <source>Open a saved search…</source>
        <translation>Ouvrir une recherche enregistrée…</translation>
    </message>
    <message>
        <location filename="../plugin/ui/dock.py" line="149"/>
        <source>Portals…</source>
        <translation>Portails…</translation>
    </message>
    <message>
        <location filename="../plugin/ui/dock.py" line="151"/>
        <source>Portals and accounts</source>
        <translation>Portails et comptes</translation>
    </message>
    <message>
        <location filename="../plugin/ui/dock.py" line="238"/>
        <source>Check at least one portal that offers this collection.</source>
        <translation>Cochez au moins un portail qui propose cette collection.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/dock.py" line="248"/>
        <source>{collection} – {stamp}</source>
        <translation>{collection} – {stamp}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/dock.py" line="302"/>
        <source>The portals dialog is not available in this version.</source>
        <translation>La fenêtre des portails n'est pas disponible dans cette version.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/dock.py" line="349"/>
        <source>No product matches this search.</source>
        <translation>Aucun produit ne correspond à cette recherche.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/dock.py" line="410"/>
        <source>Save search</source>
        <translation>Enregistrer la recherche</translation>
    </message>
    <message>
        <location filename="../plugin/ui/dock.py" line="418"/>
        <source>EO Portals search (*.json)</source>
        <translation>Recherche EO Portals (*.json)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/dock.py" line="411"/>
        <source>Search saved to {path}</source>
        <translation>Recherche enregistrée dans {path}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/dock.py" line="413"/>
        <source>The search could not be saved: {reason}</source>
        <translation>La recherche n'a pas pu être enregistrée : {reason}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/dock.py" line="418"/>
        <source>Open a saved search</source>
        <translation>Ouvrir une recherche enregistrée</translation>
    </message>
    <message>
        <location filename="../plugin/ui/dock.py" line="272"/>
        <source>This saved search cannot be used: {reason}</source>
        <translation>Cette recherche enregistrée est inutilisable : {reason}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/dock.py" line="336"/>
        <source>Your portal catalog is not used, searches go to the built-in portals: {problem}</source>
        <translation>Votre catalogue de portails n'est pas utilisé, les recherches vont aux portails intégrés : {problem}</translation>
    </message>
</context>
<context>
    <name>EOPortalsDownloads</name>
    <message>
        <location filename="../plugin/downloads.py" line="60"/>
        <source>login refused, check the account in EO Portals settings</source>
        <translation type="obsolete">connexion refusée, vérifiez le compte dans les paramètres d'EO Portals</translation>
    </message>
    <message>
        <location filename="../plugin/downloads.py" line="60"/>
        <source>an account is needed to download from this portal: add it in EO Portals settings</source>
        <translation type="obsolete">un compte est nécessaire pour télécharger depuis ce portail : ajoutez-le dans les paramètres d'EO Portals</translation>
    </message>
    <message>
        <location filename="../plugin/downloads.py" line="60"/>
        <source>offers no whole-product archive: choose the assets to download</source>
        <translation type="obsolete">ne propose pas d'archive du produit entier : choisissez les assets à télécharger</translation>
    </message>
    <message>
        <location filename="../plugin/downloads.py" line="60"/>
        <source>the product is offline (in the long-term archive): order it on the portal, then retry</source>
        <translation type="obsolete">le produit est hors ligne (dans l'archive à long terme) : commandez-le sur le portail, puis réessayez</translation>
    </message>
    <message>
        <location filename="../plugin/downloads.py" line="60"/>
        <source>the product is offline: the portal is bringing it back from its long-term archive, retry later</source>
        <translation type="obsolete">le produit est hors ligne : le portail le récupère de son archive à long terme, réessayez plus tard</translation>
    </message>
    <message>
        <location filename="../plugin/downloads.py" line="301"/>
        <source>EO Portals: opening {name}</source>
        <translation>EO Portals : ouverture de {name}</translation>
    </message>
    <message>
        <location filename="../plugin/downloads.py" line="334"/>
        <source>EO Portals: opening {name} from the portal</source>
        <translation>EO Portals : ouverture de {name} depuis le portail</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="284"/>
        <source>Could not add to the map: {message}</source>
        <translation>Impossible d'ajouter à la carte : {message}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/downloads_panel.py" line="502"/>
        <source>Download failed: {reason}</source>
        <translation>Échec du téléchargement : {reason}</translation>
    </message>
    <message>
        <location filename="../plugin/downloads.py" line="416"/>
        <source>EO Portals downloads</source>
        <translation>Téléchargements EO Portals</translation>
    </message>
    <message>
        <location filename="../plugin/main.py" line="255"/>
        <source>Downloads</source>
        <translation>Téléchargements</translation>
    </message>
    <message>
        <location filename="../plugin/downloads.py" line="168"/>
        <source>The download queue {path} cannot be used ({error}); downloads will not be resumed after QGIS restarts.</source>
        <translation>La file de téléchargement {path} est inutilisable ({error}) ; les téléchargements ne reprendront pas après un redémarrage de QGIS.</translation>
    </message>
</context>
<context>
    <name>EOPortalsLayers</name>
    <message>
        <location filename="../plugin/layers.py" line="526"/>
        <source>GDAL could not open {names}</source>
        <translation>GDAL n'a pas pu ouvrir {names}</translation>
    </message>
    <message>
        <location filename="../plugin/layers.py" line="529"/>
        <source>nothing in it can be shown on the map</source>
        <translation>rien ne peut en être affiché sur la carte</translation>
    </message>
    <message>
        <location filename="../plugin/layers.py" line="538"/>
        <source>cancelled</source>
        <translation>annulé</translation>
    </message>
    <message>
        <location filename="../plugin/layers.py" line="190"/>
        <source>the true-colour image (TCI)</source>
        <translation>l'image en couleurs naturelles (TCI)</translation>
    </message>
    <message>
        <location filename="../plugin/layers.py" line="194"/>
        <source>true colour ({resolution})</source>
        <translation>les couleurs naturelles ({resolution})</translation>
    </message>
    <message>
        <location filename="../plugin/layers.py" line="202"/>
        <source>band {band} ({resolution})</source>
        <translation>la bande {band} ({resolution})</translation>
    </message>
    <message>
        <location filename="../plugin/layers.py" line="206"/>
        <source>none of the product&apos;s image bands is in it (a partial download?): missing {bands}</source>
        <translation>aucune des bandes d'image du produit n'y est (téléchargement partiel ?) : il manque {bands}</translation>
    </message>
    <message>
        <location filename="../plugin/layers.py" line="209"/>
        <source>bands missing from the product: {bands}; the map shows {shown}</source>
        <translation>bandes absentes du produit : {bands} ; la carte montre {shown}</translation>
    </message>
</context>
<context>
    <name>EOPortalsMask</name>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="320"/>
        <source>Cirrus</source>
        <translation>Cirrus</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="320"/>
        <source>Cloud</source>
        <translation>Nuage</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="320"/>
        <source>Cloud shadow</source>
        <translation>Ombre de nuage</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="320"/>
        <source>Cloud shadows</source>
        <translation>Ombres de nuages</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="320"/>
        <source>Clouds, high probability</source>
        <translation>Nuages, probabilité forte</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="320"/>
        <source>Clouds, medium probability</source>
        <translation>Nuages, probabilité moyenne</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="320"/>
        <source>Dark area pixels</source>
        <translation>Pixels de zones sombres</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="320"/>
        <source>Dilated cloud</source>
        <translation>Nuage dilaté</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="320"/>
        <source>No data</source>
        <translation>Pas de données</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="320"/>
        <source>No data (fill)</source>
        <translation>Pas de données (remplissage)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="320"/>
        <source>Not vegetated</source>
        <translation>Sans végétation</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="320"/>
        <source>Saturated or defective</source>
        <translation>Saturé ou défectueux</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="320"/>
        <source>Snow</source>
        <translation>Neige</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="320"/>
        <source>Snow or ice</source>
        <translation>Neige ou glace</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="320"/>
        <source>Thin cirrus</source>
        <translation>Cirrus fins</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="320"/>
        <source>Unclassified</source>
        <translation>Non classé</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="320"/>
        <source>Vegetation</source>
        <translation>Végétation</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="320"/>
        <source>Water</source>
        <translation>Eau</translation>
    </message>
</context>
<context>
    <name>EOPortalsSeries</name>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="54"/>
        <source>EO Portals time series</source>
        <translation>Série temporelle EO Portals</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="315"/>
        <source>Time series</source>
        <translation>Série temporelle</translation>
    </message>
</context>
<context>
    <name>EndpointDialog</name>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="39"/>
        <source>Add a mirror or a custom endpoint</source>
        <translation>Ajouter un miroir ou un point d'accès personnalisé</translation>
    </message>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="42"/>
        <source>A mirror answers like an existing portal at another address; a custom endpoint is any STAC API, OData catalogue, DHuS or resto server. It is saved in your portal catalog file.</source>
        <translation>Un miroir répond comme un portail existant, à une autre adresse ; un point d'accès personnalisé est n'importe quelle API STAC, catalogue OData, serveur DHuS ou resto. Il est enregistré dans votre fichier de catalogue des portails.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="49"/>
        <source>None (custom endpoint)</source>
        <translation>Aucun (point d'accès personnalisé)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="51"/>
        <source>Mirror of {title}</source>
        <translation>Miroir de {title}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="52"/>
        <source>Based on</source>
        <translation>Basé sur</translation>
    </message>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="56"/>
        <source>Protocol</source>
        <translation>Protocole</translation>
    </message>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="58"/>
        <source>e.g. My institute&apos;s STAC catalogue</source>
        <translation>p. ex. Catalogue STAC de mon institut</translation>
    </message>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="59"/>
        <source>Title</source>
        <translation>Titre</translation>
    </message>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="62"/>
        <source>lower case letters, digits and _</source>
        <translation>minuscules, chiffres et _</translation>
    </message>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="63"/>
        <source>Identifier</source>
        <translation>Identifiant</translation>
    </message>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="66"/>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="68"/>
        <source>No account</source>
        <translation>Aucun compte</translation>
    </message>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="69"/>
        <source>User name and password</source>
        <translation>Nom d'utilisateur et mot de passe</translation>
    </message>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="70"/>
        <source>API key</source>
        <translation>Clé d'API</translation>
    </message>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="71"/>
        <source>Account</source>
        <translation>Compte</translation>
    </message>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="80"/>
        <source>Add</source>
        <translation>Ajouter</translation>
    </message>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="108"/>
        <source>{title} (mirror)</source>
        <translation>{title} (miroir)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="127"/>
        <source>Give the endpoint a title.</source>
        <translation>Donnez un titre au point d'accès.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="129"/>
        <source>Give the endpoint an identifier.</source>
        <translation>Donnez un identifiant au point d'accès.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="131"/>
        <source>A portal with the identifier &apos;{id}&apos; exists already.</source>
        <translation>Un portail d'identifiant « {id} » existe déjà.</translation>
    </message>
</context>
<context>
    <name>JobsPanel</name>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="163"/>
        <source>Back-end</source>
        <translation>Serveur</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="132"/>
        <source>Bands</source>
        <translation>Bandes</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="178"/>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="127"/>
        <source>Cloud-free composite</source>
        <translation>Composite sans nuages</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="179"/>
        <source>Delete</source>
        <translation>Supprimer</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="177"/>
        <source>Get results</source>
        <translation>Récupérer les résultats</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="127"/>
        <source>Index time series</source>
        <translation>Série temporelle d'indice</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="135"/>
        <source>Index</source>
        <translation>Indice</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="163"/>
        <source>Job</source>
        <translation>Traitement</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="130"/>
        <source>Kind</source>
        <translation>Type</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="137"/>
        <source>Month</source>
        <translation>Mois</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="306"/>
        <source>No openEO back-end is available: add one in EO Portals settings.</source>
        <translation>Aucun serveur openEO n'est disponible : ajoutez-en un dans les paramètres d'EO Portals.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="144"/>
        <source>Parcels</source>
        <translation>Parcelles</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="140"/>
        <source>Period</source>
        <translation>Période</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="176"/>
        <source>Refresh</source>
        <translation>Actualiser</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="153"/>
        <source>Run job</source>
        <translation>Lancer le traitement</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="137"/>
        <source>Season</source>
        <translation>Saison</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="152"/>
        <source>Show graph</source>
        <translation>Voir le graphe</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="127"/>
        <source>Stack of bands</source>
        <translation>Pile de bandes</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="163"/>
        <source>Status</source>
        <translation>État</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="159"/>
        <source>The process graph, to copy into openEO&apos;s editor or Python</source>
        <translation>Le graphe de processus, à copier dans l'éditeur d'openEO ou en Python</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="137"/>
        <source>Whole period</source>
        <translation>Toute la période</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="137"/>
        <source>Year</source>
        <translation>Année</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="552"/>
        <source>cancelled</source>
        <translation>annulé</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="551"/>
        <source>created</source>
        <translation>créé</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="552"/>
        <source>failed</source>
        <translation>en échec</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="552"/>
        <source>finished</source>
        <translation>terminé</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="369"/>
        <source>openEO call failed unexpectedly: {error}</source>
        <translation>L'appel openEO a échoué de façon inattendue : {error}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="508"/>
        <source>openEO: cancelling {job}</source>
        <translation>openEO : annulation de {job}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="520"/>
        <source>openEO: deleting {job}</source>
        <translation>openEO : suppression de {job}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="444"/>
        <source>openEO: results of {job}</source>
        <translation>openEO : résultats de {job}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="400"/>
        <source>openEO: starting a job on {backend}</source>
        <translation>openEO : lancement d'un traitement sur {backend}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="414"/>
        <source>openEO: status of {job}</source>
        <translation>openEO : état de {job}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="551"/>
        <source>queued</source>
        <translation>en attente</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="551"/>
        <source>running</source>
        <translation>en cours</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="310"/>
        <source>{backend} has no collection for {collection}.</source>
        <translation>{backend} n'a pas de collection pour {collection}.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="557"/>
        <source>{credits:g} credits</source>
        <translation>{credits:g} crédits</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="559"/>
        <source>{n} file(s)</source>
        <translation>{n} fichier(s)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="120"/>
        <source>Sign in…</source>
        <translation>Se connecter…</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="121"/>
        <source>Sign in to this back-end in the browser (OpenID Connect device code)</source>
        <translation>Se connecter à ce serveur dans le navigateur (code d'appareil OpenID Connect)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="223"/>
        <source>Signed in to {backend}.</source>
        <translation>Connecté à {backend}.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="489"/>
        <source>openEO: opening the results</source>
        <translation>openEO : ouverture des résultats</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="491"/>
        <source>The results could not be opened: {error}</source>
        <translation>Les résultats n'ont pas pu être ouverts : {error}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="467"/>
        <source>The time series {path} could not be read: {error}</source>
        <translation>La série temporelle {path} n'a pas pu être lue : {error}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="146"/>
        <source>Format</source>
        <translation>Format</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="250"/>
        <source>{format} (not offered)</source>
        <translation>{format} (non proposé)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="264"/>
        <source>{backend} does not list the formats it writes.</source>
        <translation>{backend} ne liste pas les formats qu&apos;il écrit.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="265"/>
        <source>{backend} writes: {formats}</source>
        <translation>{backend} écrit : {formats}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="269"/>
        <source>Which formats {backend} writes is not known: {error}</source>
        <translation>Les formats qu&apos;écrit {backend} ne sont pas connus : {error}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="271"/>
        <source>Open the list to ask {backend} which formats it writes.</source>
        <translation>Ouvrez la liste pour demander à {backend} les formats qu&apos;il écrit.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/jobs_panel.py" line="294"/>
        <source>openEO: formats of {backend}</source>
        <translation>openEO : formats de {backend}</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <location filename="../plugin/ui/messages.py" line="30"/>
        <source>HTTP {status}, check your account</source>
        <translation>HTTP {status}, vérifiez votre compte</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="31"/>
        <source>an account is needed to download from this portal: add it in EO Portals settings</source>
        <translation>un compte est nécessaire pour télécharger depuis ce portail : ajoutez-le dans les paramètres d'EO Portals</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="33"/>
        <source>login refused, check the account in EO Portals settings</source>
        <translation>connexion refusée, vérifiez le compte dans les paramètres d'EO Portals</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="35"/>
        <source>the session expired</source>
        <translation>la session a expiré</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="36"/>
        <source>{service} refused the account (HTTP {status}), check it in EO Portals settings</source>
        <translation>{service} a refusé le compte (HTTP {status}), vérifiez-le dans les paramètres d'EO Portals</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="38"/>
        <source>the proxy {proxy} wants a valid user name and password (HTTP {status}): check them in QGIS Settings &gt; Options &gt; Network</source>
        <translation>le proxy {proxy} demande un nom d'utilisateur et un mot de passe valides (HTTP {status}) : vérifiez-les dans Préférences QGIS &gt; Options &gt; Réseau</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="41"/>
        <source>HTTP 401 from the proxy {proxy} or the portal: check the proxy&apos;s user name and password (QGIS Settings &gt; Options &gt; Network) and your account</source>
        <translation>HTTP 401 du proxy {proxy} ou du portail : vérifiez le nom d'utilisateur et le mot de passe du proxy (Préférences QGIS &gt; Options &gt; Réseau) et votre compte</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="44"/>
        <source>timed out after {seconds} s</source>
        <translation>délai dépassé après {seconds} s</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="45"/>
        <source>cancelled</source>
        <translation>annulé</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="46"/>
        <source>too many requests, try again later</source>
        <translation>trop de requêtes, réessayez plus tard</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="47"/>
        <source>too many parallel downloads for this account (HTTP 403), retry when others have finished</source>
        <translation>trop de téléchargements simultanés pour ce compte (HTTP 403), réessayez quand d'autres seront terminés</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="50"/>
        <source>the portal asks to wait {minutes} min (HTTP {status}); retry later</source>
        <translation>le portail demande d'attendre {minutes} min (HTTP {status}) ; réessayez plus tard</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="52"/>
        <source>cannot be reached ({reason})</source>
        <translation>injoignable ({reason})</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="53"/>
        <source>request failed ({reason})</source>
        <translation>la requête a échoué ({reason})</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="54"/>
        <source>cannot reach the proxy {proxy} ({reason})</source>
        <translation>le proxy {proxy} est injoignable ({reason})</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="56"/>
        <source>secure connection refused: the certificate could not be verified ({reason})</source>
        <translation>connexion sécurisée refusée : le certificat n'a pas pu être vérifié ({reason})</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="58"/>
        <source>the connection was cut in the middle of the answer</source>
        <translation>la connexion a été coupée au milieu de la réponse</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="60"/>
        <source>the connection was cut after {received} of {declared} bytes</source>
        <translation>la connexion a été coupée après {received} octets sur {declared}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="62"/>
        <source>download interrupted: {cause}</source>
        <translation>téléchargement interrompu : {cause}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="63"/>
        <source>the proxy {proxy} answered HTTP {status}</source>
        <translation>le proxy {proxy} a répondu HTTP {status}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="64"/>
        <source>HTTP {status}</source>
        <translation>HTTP {status}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="65"/>
        <source>server error (HTTP {status})</source>
        <translation>erreur du serveur (HTTP {status})</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="66"/>
        <source>too many redirects</source>
        <translation>trop de redirections</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="67"/>
        <source>the portal answered with a web page instead of the file</source>
        <translation>le portail a répondu par une page web au lieu du fichier</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="69"/>
        <source>the portal sent {sent} bytes where {announced} were announced</source>
        <translation>le portail a envoyé {sent} octets au lieu des {announced} annoncés</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="71"/>
        <source>the answer could not be read: not JSON (starts with: {start})</source>
        <translation>la réponse n'a pas pu être lue : ce n'est pas du JSON (elle commence par : {start})</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="73"/>
        <source>the answer could not be read: {what}</source>
        <translation>la réponse n'a pas pu être lue : {what}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="74"/>
        <source>the answer could not be read: it is larger than {megabytes} MB</source>
        <translation>la réponse n'a pas pu être lue : elle dépasse {megabytes} Mo</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="76"/>
        <source>the answer could not be read: it is nested too deeply</source>
        <translation>la réponse n'a pas pu être lue : elle est imbriquée trop profondément</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="78"/>
        <source>the product is offline (in the long-term archive): order it on the portal, then retry</source>
        <translation>le produit est hors ligne (dans l'archive à long terme) : commandez-le sur le portail, puis réessayez</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="80"/>
        <source>the product is offline: the portal is bringing it back from its long-term archive, retry later</source>
        <translation>le produit est hors ligne : le portail le récupère de son archive à long terme, réessayez plus tard</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="83"/>
        <source>offers no whole-product archive: choose the assets to download</source>
        <translation>ne propose pas d'archive du produit entier : choisissez les assets à télécharger</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="85"/>
        <source>has none of the chosen assets over HTTP ({assets})</source>
        <translation>n'a aucun des assets choisis en HTTP ({assets})</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="87"/>
        <source>this portal is not in the catalog</source>
        <translation>ce portail n'est pas dans le catalogue</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="88"/>
        <source>no source to download from</source>
        <translation>aucune source où télécharger</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="89"/>
        <source>cannot write {path}: {reason}</source>
        <translation>impossible d'écrire {path} : {reason}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="90"/>
        <source>the disk is full ({folder}): free some space and retry</source>
        <translation>le disque est plein ({folder}) : libérez de la place et réessayez</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="92"/>
        <source>the disk is too full for this download ({folder}): {needed} needed and {margin} kept free, {free} free; free some space and retry</source>
        <translation>le disque est trop plein pour ce téléchargement ({folder}) : {needed} nécessaires et {margin} gardés libres, {free} libres ; libérez de la place et réessayez</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="95"/>
        <source>downloaded, but the extraction failed ({reason})</source>
        <translation>téléchargé, mais l'extraction a échoué ({reason})</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="96"/>
        <source>checksum mismatch ({algorithm}): the file is corrupt; it was deleted</source>
        <translation>somme de contrôle différente ({algorithm}) : le fichier est corrompu ; il a été supprimé</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="98"/>
        <source>size mismatch: {received} bytes received, {expected} expected; it was deleted</source>
        <translation>taille différente : {received} octets reçus, {expected} attendus ; il a été supprimé</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="100"/>
        <source>unexpected error ({reason})</source>
        <translation>erreur inattendue ({reason})</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="102"/>
        <source> (the partial download is kept)</source>
        <translation> (le téléchargement partiel est conservé)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="103"/>
        <source>{name}: {reason}</source>
        <translation>{name} : {reason}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="104"/>
        <source>{reason}: {portal_says}</source>
        <translation>{reason} : {portal_says}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="109"/>
        <source>{file}: {algorithm} verified</source>
        <translation>{file} : {algorithm} vérifié</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="110"/>
        <source>{file}: not verified ({algorithms})</source>
        <translation>{file} : non vérifié ({algorithms})</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="111"/>
        <source>{file}: no checksum given</source>
        <translation>{file} : aucune somme de contrôle fournie</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="112"/>
        <source>{portal} has no asset {key}</source>
        <translation>{portal} n'a pas l'asset {key}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="113"/>
        <source>fell back to {portal} after: {reasons}</source>
        <translation>repli sur {portal} après : {reasons}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="114"/>
        <source>extracted: {files}</source>
        <translation>extrait : {files}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="117"/>
        <source>{algorithm} verified</source>
        <translation>{algorithm} vérifié</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="118"/>
        <source>not verified ({algorithms})</source>
        <translation>non vérifié ({algorithms})</translation>
    </message>
    <message>
        <location filename="../plugin/ui/messages.py" line="119"/>
        <source>no checksum given</source>
        <translation>aucune somme de contrôle fournie</translation>
    </message>
</context>
<context>
    <name>PortalList</name>
    <message>
        <location filename="../plugin/ui/portal_list.py" line="153"/>
        <source>Does not offer this collection.</source>
        <translation>Ne propose pas cette collection.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portal_list.py" line="126"/>
        <source>Failed last time: {message}</source>
        <translation>Échec la dernière fois : {message}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portal_list.py" line="128"/>
        <source>Needs an account (set one with Portals…)</source>
        <translation>Compte nécessaire (à définir dans Portails…)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portal_list.py" line="124"/>
        <source>Needs an account: {message}</source>
        <translation>Compte nécessaire : {message}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portal_list.py" line="129"/>
        <source>Not searched yet</source>
        <translation>Pas encore interrogé</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portal_list.py" line="40"/>
        <source>Portals</source>
        <translation>Portails</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portal_list.py" line="122"/>
        <source>Reachable (last search: {message})</source>
        <translation>Joignable (dernière recherche : {message})</translation>
    </message>
</context>
<context>
    <name>PortalsDialog</name>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="23"/>
        <source>The URL must start with https:// or http://.</source>
        <translation>L'URL doit commencer par https:// ou http://.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/endpoint_dialog.py" line="26"/>
        <source>Remove the user name and password from the URL: choose an account instead.</source>
        <translation>Retirez le nom d'utilisateur et le mot de passe de l'URL : choisissez plutôt un compte.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="172"/>
        <source>EO Portals: portals and accounts</source>
        <translation>EO Portals : portails et comptes</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="192"/>
        <source>Tick the portals EO Portals searches. An account is a QGIS authentication configuration: the password stays in QGIS&apos;s encrypted authentication database, EO Portals keeps only its id.</source>
        <translation>Cochez les portails qu'EO Portals interroge. Un compte est une configuration d'authentification QGIS : le mot de passe reste dans la base d'authentification chiffrée de QGIS, EO Portals n'en garde que l'identifiant.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="207"/>
        <source>Portal</source>
        <translation>Portail</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="207"/>
        <source>Protocol</source>
        <translation>Protocole</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="233"/>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="238"/>
        <source>Account</source>
        <translation>Compte</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="207"/>
        <source>Status</source>
        <translation>État</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="247"/>
        <source>Test connection</source>
        <translation>Tester la connexion</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="249"/>
        <source>Send one small request to the portal, with the chosen account</source>
        <translation>Envoyer une petite requête au portail, avec le compte choisi</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="262"/>
        <source>Add mirror or custom endpoint…</source>
        <translation>Ajouter un miroir ou un point d'accès…</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="268"/>
        <source>Your catalog file: {path}</source>
        <translation>Votre fichier de catalogue : {path}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="313"/>
        <source>Added in your catalog file</source>
        <translation>Ajouté dans votre fichier de catalogue</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="315"/>
        <source>Set its URL to use it</source>
        <translation>Indiquez son URL pour l'utiliser</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="340"/>
        <source>(set its URL below)</source>
        <translation>(indiquez son URL ci-dessous)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="353"/>
        <source>Not needed</source>
        <translation>Inutile</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="361"/>
        <source>Needed to search</source>
        <translation>Nécessaire pour rechercher</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="363"/>
        <source>Needed to download</source>
        <translation>Nécessaire pour télécharger</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="364"/>
        <source>Optional</source>
        <translation>Facultatif</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="533"/>
        <source>Testing…</source>
        <translation>Test en cours…</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="377"/>
        <source>Reachable</source>
        <translation>Joignable</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="379"/>
        <source>Needs an account</source>
        <translation>Compte nécessaire</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="381"/>
        <source>Failed: {message}</source>
        <translation>Échec : {message}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="381"/>
        <source>Failed</source>
        <translation>Échec</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="382"/>
        <source>Not tested</source>
        <translation>Non testé</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="413"/>
        <source>https://your-mirror.example.org/</source>
        <translation>https://votre-miroir.example.org/</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="414"/>
        <source>Setting the URL enables the portal</source>
        <translation>Indiquer l'URL active le portail</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="414"/>
        <source>Built-in portal: add a mirror to use another address</source>
        <translation>Portail intégré : ajoutez un miroir pour utiliser une autre adresse</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="431"/>
        <source>Without one of its own, it uses the account of {title}.</source>
        <translation>Sans compte propre, il utilise celui de {title}.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="434"/>
        <source>Needed to download. Choose or create a &lt;b&gt;Basic&lt;/b&gt; configuration holding your {title} user name and password.</source>
        <translation>Nécessaire pour télécharger. Choisissez ou créez une configuration &lt;b&gt;Basic&lt;/b&gt; contenant votre nom d'utilisateur et votre mot de passe {title}.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="439"/>
        <source>an &lt;b&gt;API Header&lt;/b&gt; configuration with the header {header} and your key, or a &lt;b&gt;Basic&lt;/b&gt; configuration with your key as password</source>
        <translation>une configuration &lt;b&gt;API Header&lt;/b&gt; avec l'en-tête {header} et votre clé, ou une configuration &lt;b&gt;Basic&lt;/b&gt; avec votre clé comme mot de passe</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="442"/>
        <source>a &lt;b&gt;Basic&lt;/b&gt; configuration with your API key as password (the user name is not used)</source>
        <translation>une configuration &lt;b&gt;Basic&lt;/b&gt; avec votre clé d'API comme mot de passe (le nom d'utilisateur n'est pas utilisé)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="444"/>
        <source>Needed to download. Choose or create {how}.</source>
        <translation>Nécessaire pour télécharger. Choisissez ou créez {how}.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="446"/>
        <source>Needed to search and download. Choose or create a &lt;b&gt;Basic&lt;/b&gt; configuration with your user name and password for this server.</source>
        <translation>Nécessaire pour rechercher et télécharger. Choisissez ou créez une configuration &lt;b&gt;Basic&lt;/b&gt; avec votre nom d'utilisateur et votre mot de passe pour ce serveur.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="449"/>
        <source>Needed to download: files are signed by the portal&apos;s signing service. Choose or create a &lt;b&gt;Basic&lt;/b&gt; configuration with your access key as user name and your secret key as password.</source>
        <translation>Nécessaire pour télécharger : les fichiers sont signés par le service de signature du portail. Choisissez ou créez une configuration &lt;b&gt;Basic&lt;/b&gt; avec votre clé d'accès comme nom d'utilisateur et votre clé secrète comme mot de passe.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="453"/>
        <source>Optional: searching and downloading are open. A subscription key gives fewer rate limits; put it as password in a &lt;b&gt;Basic&lt;/b&gt; configuration.</source>
        <translation>Facultatif : la recherche et le téléchargement sont ouverts à tous. Une clé d'abonnement réduit les limitations de débit ; mettez-la comme mot de passe dans une configuration &lt;b&gt;Basic&lt;/b&gt;.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="455"/>
        <source>No account is needed: searching and downloading are open.</source>
        <translation>Aucun compte n'est nécessaire : la recherche et le téléchargement sont ouverts à tous.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="498"/>
        <source>Not tested yet.</source>
        <translation>Pas encore testé.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="498"/>
        <source>Set its URL to test it.</source>
        <translation>Indiquez son URL pour le tester.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="525"/>
        <source>EO Portals: testing {title}</source>
        <translation>EO Portals : test de {title}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="548"/>
        <source>{what}, account accepted</source>
        <translation>{what}, compte accepté</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="549"/>
        <source>account accepted</source>
        <translation>compte accepté</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="554"/>
        <source>it answered, but not as a {protocol} portal{start}</source>
        <translation>il a répondu, mais pas comme un portail {protocol}{start}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="554"/>
        <source> (it said: {text})</source>
        <translation> (réponse : {text})</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="559"/>
        <source>the login was refused: {text}</source>
        <translation>la connexion a été refusée : {text}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="561"/>
        <source>the account was refused: {text}</source>
        <translation>le compte a été refusé : {text}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="563"/>
        <source>choose an account</source>
        <translation>choisissez un compte</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="568"/>
        <source>Connection test of {title}: {result}</source>
        <translation>Test de connexion de {title} : {result}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="590"/>
        <source>{title}: {message}</source>
        <translation>{title} : {message}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="593"/>
        <source>Reading the STAC options of {title} failed</source>
        <translation>La lecture des options STAC de {title} a échoué</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="603"/>
        <source>Saving the STAC options of {title} failed</source>
        <translation>L'enregistrement des options STAC de {title} a échoué</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="628"/>
        <source>The portal could not be saved: {error}</source>
        <translation>Le portail n'a pas pu être enregistré : {error}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="643"/>
        <source>Added the portal {title} ({protocol}, {url}) to {path}</source>
        <translation>Portail {title} ({protocol}, {url}) ajouté à {path}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="660"/>
        <source>Saving the URL of {id} failed</source>
        <translation>L'enregistrement de l'URL de {id} a échoué</translation>
    </message>
    <message>
        <location filename="../plugin/ui/portals_dialog.py" line="693"/>
        <source>Reading QGIS&apos;s network settings failed; testing without a proxy</source>
        <translation>La lecture des paramètres réseau de QGIS a échoué ; test sans proxy</translation>
    </message>
</context>
<context>
    <name>QuicklookPanel</name>
    <message>
        <location filename="../plugin/ui/quicklook.py" line="333"/>
        <source>Add the quicklook as a layer placed on the footprint&apos;s bounding box (approximate)</source>
        <translation>Ajouter l'aperçu comme couche calée sur le rectangle englobant de l'emprise (approximatif)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/quicklook.py" line="363"/>
        <source>Loading the quicklook…</source>
        <translation>Chargement de l'aperçu…</translation>
    </message>
    <message>
        <location filename="../plugin/ui/quicklook.py" line="361"/>
        <source>No quicklook for this product.</source>
        <translation>Pas d'aperçu pour ce produit.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/quicklook.py" line="402"/>
        <source>No quicklook: {reason}</source>
        <translation>Pas d'aperçu : {reason}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/quicklook.py" line="408"/>
        <source>Quicklook {title}</source>
        <translation>Aperçu {title}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/quicklook.py" line="381"/>
        <source>Select a product to see its quicklook.</source>
        <translation>Sélectionnez un produit pour voir son aperçu.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/quicklook.py" line="332"/>
        <source>Show on map</source>
        <translation>Afficher sur la carte</translation>
    </message>
    <message>
        <location filename="../plugin/ui/quicklook.py" line="411"/>
        <source>The quicklook could not be placed on the map.</source>
        <translation>L'aperçu n'a pas pu être placé sur la carte.</translation>
    </message>
</context>
<context>
    <name>Quicklooks</name>
    <message>
        <location filename="../plugin/ui/quicklook.py" line="145"/>
        <source>Quicklook</source>
        <translation>Aperçu</translation>
    </message>
    <message>
        <location filename="../plugin/ui/quicklook.py" line="151"/>
        <source>The portal</source>
        <translation>Le portail</translation>
    </message>
    <message>
        <location filename="../plugin/ui/quicklook.py" line="171"/>
        <source>the quicklook is not an image</source>
        <translation>l'aperçu n'est pas une image</translation>
    </message>
    <message>
        <location filename="../plugin/ui/quicklook.py" line="178"/>
        <source>the cached quicklook could not be read</source>
        <translation>l'aperçu en cache n'a pas pu être lu</translation>
    </message>
    <message>
        <location filename="../plugin/ui/quicklook.py" line="196"/>
        <source>cancelled</source>
        <translation>annulé</translation>
    </message>
</context>
<context>
    <name>ResultsModel</name>
    <message>
        <location filename="../plugin/ui/results_model.py" line="44"/>
        <source>B</source>
        <comment>size unit: bytes</comment>
        <translation>o</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="44"/>
        <source>kB</source>
        <comment>size unit</comment>
        <translation>ko</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="44"/>
        <source>MB</source>
        <comment>size unit</comment>
        <translation>Mo</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="44"/>
        <source>GB</source>
        <comment>size unit</comment>
        <translation>Go</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="44"/>
        <source>TB</source>
        <comment>size unit</comment>
        <translation>To</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="155"/>
        <source>Date (UTC)</source>
        <translation>Date (UTC)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="156"/>
        <source>Cloud</source>
        <translation>Nuages</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="157"/>
        <source>Platform</source>
        <translation>Plateforme</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="158"/>
        <source>Tile</source>
        <translation>Tuile</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="159"/>
        <source>Orbit</source>
        <translation>Orbite</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="160"/>
        <source>Size</source>
        <translation>Taille</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="161"/>
        <source>Portals</source>
        <translation>Portails</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="162"/>
        <source>Product</source>
        <translation>Produit</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="166"/>
        <source>Acquisition start, in UTC</source>
        <translation>Début de l'acquisition, en UTC</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="167"/>
        <source>Cloud cover, in percent</source>
        <translation>Couverture nuageuse, en pourcentage</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="168"/>
        <source>Relative orbit and direction (A: ascending, D: descending)</source>
        <translation>Orbite relative et sens (A : ascendante, D : descendante)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="169"/>
        <source>MGRS tile</source>
        <translation>Tuile MGRS</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="170"/>
        <source>Size of the whole product, when the portal says</source>
        <translation>Taille du produit entier, quand le portail l'indique</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="171"/>
        <source>Portals that hold this product; downloads try them in this order</source>
        <translation>Portails qui détiennent ce produit ; les téléchargements les essaient dans cet ordre</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="198"/>
        <source>Portals: {portals}</source>
        <translation>Portails : {portals}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="223"/>
        <source>A</source>
        <translation>A</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="223"/>
        <source>D</source>
        <translation>D</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_model.py" line="200"/>
        <source>Versions (choose one under the quicklook):</source>
        <translation>Versions (choisissez-en une sous l’aperçu) :</translation>
    </message>
</context>
<context>
    <name>ResultsView</name>
    <message>
        <location filename="../plugin/ui/results_view.py" line="510"/>
        <source>1 product</source>
        <translation>1 produit</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="116"/>
        <source>All results</source>
        <translation>Tous les résultats</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="492"/>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="121"/>
        <source>CSV…</source>
        <translation>CSV…</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="469"/>
        <source>Copy product name</source>
        <translation>Copier le nom du produit</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="464"/>
        <source>Download</source>
        <translation>Télécharger</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="163"/>
        <source>Download the selected products</source>
        <translation>Télécharger les produits sélectionnés</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="118"/>
        <source>Export</source>
        <translation>Exporter</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="494"/>
        <source>Export results</source>
        <translation>Exporter les résultats</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="118"/>
        <source>Export the rows shown</source>
        <translation>Exporter les lignes affichées</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="355"/>
        <source>Export {count} products</source>
        <translation>Export de {count} produits</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="107"/>
        <source>Filter results…</source>
        <translation>Filtrer les résultats…</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="492"/>
        <source>GeoJSON (*.geojson)</source>
        <translation>GeoJSON (*.geojson)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="120"/>
        <source>GeoJSON…</source>
        <translation>GeoJSON…</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="111"/>
        <source>Keep one product per tile</source>
        <translation>Garder un produit par tuile</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="113"/>
        <source>Least cloudy per tile</source>
        <translation>Le moins nuageux par tuile</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="114"/>
        <source>Newest per tile</source>
        <translation>Le plus récent par tuile</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="111"/>
        <source>Reduce</source>
        <translation>Réduire</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="493"/>
        <source>STAC ItemCollection (*.json)</source>
        <translation>STAC ItemCollection (*.json)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="122"/>
        <source>STAC ItemCollection…</source>
        <translation>STAC ItemCollection…</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="508"/>
        <source>Searching…</source>
        <translation>Recherche en cours…</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="109"/>
        <source>Show only the rows holding every word typed (in any column)</source>
        <translation>N'afficher que les lignes contenant tous les mots saisis (dans n'importe quelle colonne)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="359"/>
        <source>The export failed: {reason}</source>
        <translation>L'export a échoué : {reason}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="466"/>
        <source>Zoom to footprint</source>
        <translation>Zoomer sur l'emprise</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="510"/>
        <source>{count} products</source>
        <translation>{count} produits</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="356"/>
        <source>{count} products exported to {path}</source>
        <translation>{count} produits exportés dans {path}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="512"/>
        <source>{shown} of {count} products shown</source>
        <translation>Produits affichés : {shown} sur {count}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="124"/>
        <source>Keep the footprints layer</source>
        <translation>Garder la couche des emprises</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="125"/>
        <source>Leave this search&apos;s footprints layer in the project under a name of its own; the next search makes a new one</source>
        <translation>Laisser la couche des emprises de cette recherche dans le projet, sous un nom à elle ; la prochaine recherche en crée une nouvelle</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="322"/>
        <source>{name} (kept)</source>
        <translation>{name} (gardée)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="326"/>
        <source>The footprints stay in the project as “{name}”; the next search makes a new layer.</source>
        <translation>Les emprises restent dans le projet sous le nom « {name} » ; la prochaine recherche crée une nouvelle couche.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="517"/>
        <source>least cloudy per tile, of {found} found</source>
        <translation>le moins nuageux par tuile, sur {found} trouvés</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="519"/>
        <source>newest per tile, of {found} found</source>
        <translation>le plus récent par tuile, sur {found} trouvés</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="520"/>
        <source>{count} ({reduction})</source>
        <translation>{count} ({reduction})</translation>
    </message>
    <message>
        <location filename="../plugin/ui/results_view.py" line="154"/>
        <source>Right click to choose the columns</source>
        <translation>Clic droit pour choisir les colonnes</translation>
    </message>
</context>
<context>
    <name>SearchForm</name>
    <message>
        <location filename="../plugin/ui/search_form.py" line="164"/>
        <source>Advanced filters</source>
        <translation>Filtres avancés</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="374"/>
        <source>Any</source>
        <translation>Indifférent</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="79"/>
        <source>Area of interest</source>
        <translation>Zone d'intérêt</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="447"/>
        <source>Area of {area} km², from {west:.3f}, {south:.3f} to {east:.3f}, {north:.3f} (lon, lat)</source>
        <translation>Superficie de {area} km², de {west:.3f}, {south:.3f} à {east:.3f}, {north:.3f} (lon, lat)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="169"/>
        <source>Ascending</source>
        <translation>Ascendante</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="267"/>
        <source>Choose a collection.</source>
        <translation>Choisissez une collection.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="94"/>
        <source>Clear</source>
        <translation>Effacer</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="159"/>
        <source>Cloud cover</source>
        <translation>Couverture nuageuse</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="118"/>
        <source>Collection</source>
        <translation>Collection</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="133"/>
        <source>Dates</source>
        <translation>Dates</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="170"/>
        <source>Descending</source>
        <translation>Descendante</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="86"/>
        <source>Draw a polygon on the map: click to add vertices, right click to finish, Backspace to undo, Esc to cancel</source>
        <translation>Dessiner un polygone sur la carte : cliquez pour ajouter des sommets, clic droit pour terminer, Retour arrière pour annuler le dernier sommet, Échap pour abandonner</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="84"/>
        <source>Draw a rectangle on the map (Esc cancels)</source>
        <translation>Dessiner un rectangle sur la carte (Échap pour annuler)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="264"/>
        <source>Draw an area of interest first (or use the map extent or selected features).</source>
        <translation>Dessinez d'abord une zone d'intérêt (ou utilisez l'emprise de la carte ou des entités sélectionnées).</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="89"/>
        <source>Extent</source>
        <translation>Emprise</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="109"/>
        <source>Filters</source>
        <translation>Filtres</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="128"/>
        <source>First day of acquisition (UTC)</source>
        <translation>Premier jour d'acquisition (UTC)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="142"/>
        <source>From {days} days ago until today</source>
        <translation>Des {days} derniers jours jusqu'à aujourd'hui</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="147"/>
        <source>Last</source>
        <translation>Derniers</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="129"/>
        <source>Last day of acquisition (UTC), included</source>
        <translation>Dernier jour d'acquisition (UTC), inclus</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="183"/>
        <source>MGRS tile</source>
        <translation>Tuile MGRS</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="154"/>
        <source>Maximum cloud cover; at 100 % products without a cloud cover are kept too</source>
        <translation>Couverture nuageuse maximale ; à 100 %, les produits sans couverture nuageuse connue sont aussi gardés</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="442"/>
        <source>No area yet: draw one on the map, or use the map extent or the selected features.</source>
        <translation>Pas encore de zone : dessinez-en une sur la carte, ou utilisez l'emprise de la carte ou les entités sélectionnées.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="181"/>
        <source>Orbit direction</source>
        <translation>Sens de l'orbite</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="184"/>
        <source>Platform</source>
        <translation>Plateforme</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="86"/>
        <source>Polygon</source>
        <translation>Polygone</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="84"/>
        <source>Rectangle</source>
        <translation>Rectangle</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="182"/>
        <source>Relative orbit</source>
        <translation>Orbite relative</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="174"/>
        <source>Relative orbit number (Sentinel-1: 1-175, Sentinel-2: 1-143)</source>
        <translation>Numéro d'orbite relative (Sentinel-1 : 1-175, Sentinel-2 : 1-143)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="94"/>
        <source>Remove the area of interest from the map</source>
        <translation>Retirer la zone d'intérêt de la carte</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="91"/>
        <source>Selected features</source>
        <translation>Sélection</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="179"/>
        <source>Sentinel-2 MGRS tile</source>
        <translation>Tuile MGRS Sentinel-2</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="308"/>
        <source>The collection {collection} is not offered by any portal shown.</source>
        <translation>La collection {collection} n'est proposée par aucun des portails affichés.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="269"/>
        <source>The end date ({end}) is before the start date ({start}).</source>
        <translation>La date de fin ({end}) est antérieure à la date de début ({start}).</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="117"/>
        <source>The kind of products to search for</source>
        <translation>Le type de produits à rechercher</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="89"/>
        <source>Use the extent the map shows now</source>
        <translation>Utiliser l'emprise affichée sur la carte</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="91"/>
        <source>Use the selected features (of the active layer, else of every layer)</source>
        <translation>Utiliser les entités sélectionnées (de la couche active, sinon de toutes les couches)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="401"/>
        <source>any</source>
        <translation>sans limite</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="176"/>
        <source>e.g. 31TCJ</source>
        <translation>p. ex. 31TCJ</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="139"/>
        <source>{days} days</source>
        <translation>{days} jours</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_form.py" line="401"/>
        <source>≤ {value} %</source>
        <translation>≤ {value} %</translation>
    </message>
</context>
<context>
    <name>SearchRun</name>
    <message>
        <location filename="../plugin/ui/search_run.py" line="268"/>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="195"/>
        <source>EO Portals: searching {count} portals</source>
        <translation>EO Portals : recherche sur {count} portails</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="112"/>
        <source>Fetch the next page of results from the portals that have more, and ask again the portals that failed</source>
        <translation>Récupérer la page de résultats suivante auprès des portails qui en ont d'autres, et interroger de nouveau les portails en échec</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="111"/>
        <source>Load more</source>
        <translation>Charger la suite</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="273"/>
        <source>Search</source>
        <translation>Rechercher</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="275"/>
        <source>Search the checked portals (runs in the background)</source>
        <translation>Interroger les portails cochés (en arrière-plan)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="252"/>
        <source>Some portals failed: {lines}</source>
        <translation>Certains portails ont échoué : {lines}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="270"/>
        <source>Stop the search; the products found so far stay</source>
        <translation>Arrêter la recherche ; les produits déjà trouvés restent</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="260"/>
        <source>The search stopped: {reason}</source>
        <translation>La recherche s'est arrêtée : {reason}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="177"/>
        <source>{name}: 1 product</source>
        <translation>{name} : 1 produit</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="149"/>
        <source>{name}: HTTP {status}, check your account</source>
        <translation type="obsolete">{name} : HTTP {status}, vérifiez votre compte</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="155"/>
        <source>{name}: cancelled</source>
        <translation type="obsolete">{name} : annulé</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="159"/>
        <source>{name}: cannot be reached ({reason})</source>
        <translation type="obsolete">{name} : injoignable ({reason})</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="301"/>
        <source>{name}: searching…</source>
        <translation>{name} : recherche en cours…</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="161"/>
        <source>{name}: the answer could not be read ({reason})</source>
        <translation type="obsolete">{name} : la réponse n'a pas pu être lue ({reason})</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="153"/>
        <source>{name}: timed out after {seconds} s</source>
        <translation type="obsolete">{name} : délai dépassé après {seconds} s</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="157"/>
        <source>{name}: too many requests, try again later</source>
        <translation type="obsolete">{name} : trop de requêtes, réessayez plus tard</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="141"/>
        <source>{name}: {count} of {total} products</source>
        <translation type="obsolete">{name} : {count} produits sur {total}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="179"/>
        <source>{name}: {count} products</source>
        <translation>{name} : {count} produits</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="162"/>
        <source>{name}: {reason}</source>
        <translation type="obsolete">{name} : {reason}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="313"/>
        <source>{seconds:.1f} s, {pages} page(s)</source>
        <translation>{seconds:.1f} s, {pages} page(s)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="181"/>
        <source> from {records} records</source>
        <translation> issus de {records} enregistrements</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="183"/>
        <source>, more pages available ({total} match)</source>
        <translation>, d’autres pages disponibles ({total} correspondent)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="185"/>
        <source>, more pages available</source>
        <translation>, d’autres pages disponibles</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="187"/>
        <source>; 1 product of another collection left out</source>
        <translation>, 1 produit d’une autre collection écarté</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="189"/>
        <source>; {n} products of other collections left out</source>
        <translation>, {n} produits d’autres collections écartés</translation>
    </message>
    <message>
        <location filename="../plugin/ui/search_run.py" line="226"/>
        <source>{line}; the next page failed ({reason}), the earlier pages are kept</source>
        <translation>{line} ; la page suivante a échoué ({reason}), les pages précédentes sont conservées</translation>
    </message>
</context>
<context>
    <name>SearchTask</name>
    <message>
        <location filename="../plugin/tasks.py" line="189"/>
        <source>The search was cancelled.</source>
        <translation>La recherche a été annulée.</translation>
    </message>
    <message>
        <location filename="../plugin/tasks.py" line="191"/>
        <source>The search failed.</source>
        <translation>La recherche a échoué.</translation>
    </message>
    <message>
        <location filename="../plugin/tasks.py" line="230"/>
        <source>cancelled</source>
        <translation>annulé</translation>
    </message>
</context>
<context>
    <name>SelectionSync</name>
    <message>
        <location filename="../plugin/ui/selection_sync.py" line="93"/>
        <source>This footprint cannot be shown in the map&apos;s CRS.</source>
        <translation>Cette emprise ne peut pas être affichée dans le SCR de la carte.</translation>
    </message>
</context>
<context>
    <name>SeriesPanel</name>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="176"/>
        <source>Area of interest</source>
        <translation>Zone d'intérêt</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="286"/>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="279"/>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="267"/>
        <source>Cancelled after {n} point(s).</source>
        <translation>Annulé après {n} point(s).</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="207"/>
        <source>Choose parcels: draw an area of interest, or select polygons in the active layer.</source>
        <translation>Choisissez les parcelles : dessinez une zone d'intérêt, ou sélectionnez des polygones dans la couche active.</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="117"/>
        <source>Export CSV…</source>
        <translation>Exporter CSV…</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="119"/>
        <source>Export PNG…</source>
        <translation>Exporter PNG…</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="291"/>
        <source>Export the chart</source>
        <translation>Exporter le graphique</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="286"/>
        <source>Export the series</source>
        <translation>Exporter la série</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="105"/>
        <source>Index</source>
        <translation>Indice</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="149"/>
        <source>No mask band in this collection</source>
        <translation>Pas de bande de masque dans cette collection</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="291"/>
        <source>PNG image (*.png)</source>
        <translation>Image PNG (*.png)</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="101"/>
        <source>Parcels</source>
        <translation>Parcelles</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="107"/>
        <source>Pixels left out</source>
        <translation>Pixels écartés</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="220"/>
        <source>Reading {n} product(s) for {p} parcel(s)…</source>
        <translation>Lecture de {n} produit(s) pour {p} parcelle(s)…</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="279"/>
        <source>Run</source>
        <translation>Lancer</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="204"/>
        <source>Search first: the series is read from the results (Sentinel-2 L2A, Landsat C2 L2).</source>
        <translation>Lancez d'abord une recherche : la série est lue dans les résultats (Sentinel-2 L2A, Landsat C2 L2).</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="100"/>
        <source>Selected features of the active layer</source>
        <translation>Entités sélectionnées de la couche active</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="265"/>
        <source>The series stopped: {message}</source>
        <translation>La série s'est arrêtée : {message}</translation>
    </message>
    <message>
        <location filename="../plugin/ui/series_panel.py" line="271"/>
        <source>{n} point(s), {size} read.</source>
        <translation>{n} point(s), {size} lus.</translation>
    </message>
</context>
<context>
    <name>Versions</name>
    <message>
        <location filename="../plugin/ui/versions.py" line="28"/>
        <source>{n} versions</source>
        <translation>{n} versions</translation>
    </message>
    <message>
        <location filename="../plugin/ui/versions.py" line="55"/>
        <source>Portals hold several versions of this acquisition (another processing baseline, or a product generated again). The version chosen here is the one the row, the footprint, the quicklook and a download use.</source>
        <translation>Des portails détiennent plusieurs versions de cette acquisition (une autre version de traitement, ou un produit généré à nouveau). La version choisie ici est celle qu’utilisent la ligne, l’emprise, l’aperçu et un téléchargement.</translation>
    </message>
</context>
</TS>
